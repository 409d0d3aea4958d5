"""Fake Aliyun voice (Dyvmsapi 2017-05-25) and Tencent Cloud VMS (2020-09-02) endpoints.

They sit behind the same gateways as the SMS fakes (tests/fakes/aliyun_server.py and
tencent_server.py: every signature checked, written from the vendors' documentation), and serve
the voice APIs as the vendors document them: Aliyun SingleCallByTts and IvrCall (the menu as the
repeat list `MenuKeyMap.N.Key/Code`, as the RPC API and the official SDK flatten it), OutId at most
15 bytes, QueryCallDetailByCallId, a per-number flow control of one call a minute; Tencent
SendTtsVoice with its SessionContext. Each call is recorded with our id. The vendors' pushes (Aliyun
VoiceReport with `dtmf`, Tencent voiceprompt_callback and voicekey_callback) are built by
`report` / `prompt_callback` / `key_callback` for the test to POST to watchd's callback URL, as the
vendor would after the phone rang.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tests.fakes.aliyun_server import CHINA, MOBILE, FakeAliyunSms
from tests.fakes.http_provider import Reply
from tests.fakes.tencent_server import E164_CN, FakeTencentSms


@dataclass
class PlacedCall:
    action: str  # SingleCallByTts, IvrCall, SendTtsVoice
    phone: str
    template: str
    params: dict[str, str] | list[str]
    our_id: str  # Aliyun OutId, Tencent SessionContext
    call_id: str
    placed_at: datetime
    menu: dict[str, str] = field(default_factory=dict)  # IvrCall: key -> template played after it


class FakeAliyunVoice(FakeAliyunSms):
    def __init__(
        self,
        *,
        tts_code: str = "TTS_2870001",
        ack_code: str = "TTS_2870002",
        show_number: str = "057188773344",
        template_vars: tuple[str, ...] = ("place", "event"),
        **gateway: object,
    ) -> None:
        super().__init__(**gateway)  # type: ignore[arg-type]
        self.tts_code, self.ack_code, self.show_number = tts_code, ack_code, show_number
        self.voice_vars = template_vars
        self.calls: list[PlacedCall] = []

    def act(self, action: str, params: dict[str, str]) -> Reply:
        if action in ("SingleCallByTts", "IvrCall"):
            return self._call(action, params)
        if action == "QueryCallDetailByCallId":
            return self._detail(params)
        return super().act(action, params)

    def _call(self, action: str, params: dict[str, str]) -> Reply:
        match = MOBILE.match(params.get("CalledNumber", ""))
        if not match:
            return self._biz("isv.MOBILE_NUMBER_ILLEGAL", "号码格式非法")
        show = params.get("CalledShowNumber", "")
        if action == "IvrCall" and not show:
            return self._missing("CalledShowNumber")
        if show and show != self.show_number:
            return self._biz("isv.DISPLAY_NUMBER_ILLEGAL", "号显不可用")
        out_id = params.get("OutId", "")
        if len(out_id.encode()) > 15:
            return self._biz("isv.INVALID_PARAMETERS", "OutId长度超过15字节")
        template = params.get("TtsCode" if action == "SingleCallByTts" else "StartCode")
        if template != self.tts_code:
            return self._biz("isv.TTS_TEMPLATE_ILLEGAL", "模板不存在或未审核通过")
        try:
            values = json.loads(
                params.get("TtsParam" if action == "SingleCallByTts" else "StartTtsParams") or "{}"
            )
        except ValueError:
            return self._biz("isv.INVALID_JSON_PARAM", "JSON参数不合法")
        if not isinstance(values, dict) or sorted(values) != sorted(self.voice_vars):
            return self._biz("isv.TEMPLATE_MISSING_PARAMETERS", f"模板变量应为 {list(self.voice_vars)}")
        menu = {
            params[f"MenuKeyMap.{n}.Key"]: params.get(f"MenuKeyMap.{n}.Code", "")
            for n in range(1, 10)
            if f"MenuKeyMap.{n}.Key" in params
        }
        if action == "IvrCall" and not menu:
            return self._missing("MenuKeyMap")
        now = datetime.now(UTC)
        with self._state:
            if any(
                c.phone == match.group(1) and now - c.placed_at < timedelta(minutes=1) for c in self.calls
            ):
                return self._biz("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1")
            call_id = f"{116012354148 + len(self.calls)}^{102813780000 + len(self.calls)}"
            self.calls.append(
                PlacedCall(action, match.group(1), template, values, out_id, call_id, now, menu)
            )
        return Reply(
            200,
            {
                "Code": "OK",
                "Message": "OK",
                "CallId": call_id,
                "RequestId": "D9CB3933-9FE3-4870-BA8E-2BEE91B69D23",
            },
        )

    def _detail(self, params: dict[str, str]) -> Reply:
        found = [c for c in self.calls if c.call_id == params.get("CallId")]
        if not params.get("ProdId") or not params.get("QueryDate"):
            return self._missing("ProdId" if not params.get("ProdId") else "QueryDate")
        data = json.dumps({"callee": found[0].phone, "state": "200000"}) if found else None
        return Reply(200, {"Code": "OK", "Message": "OK", "Data": data, "RequestId": "5C4A3F0E-7D7B"})

    def report(
        self, call: PlacedCall, *, status_code: str = "200000", dtmf: str = ""
    ) -> list[dict[str, object]]:
        """Aliyun's VoiceReport push for a call (200000 answered; 200005 not answered, ...)."""
        at = call.placed_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")
        return [
            {
                "call_id": call.call_id,
                "status_code": status_code,
                "status_msg": "用户听音结束" if status_code == "200000" else "用户未接听",
                "caller": self.show_number,
                "callee": call.phone,
                "originate_time": at,
                "ring_time": at,
                "b_start_time": at,
                "end_time": at,
                "duration": 20,
                "out_id": call.our_id,
                "dtmf": dtmf,
                "hangup_direction": 1,
                "toll_type": "LOCAL",
                "voice_type": "voice",
            }
        ]


class FakeTencentVoice(FakeTencentSms):
    SERVICE = "vms"
    VERSION = "2020-09-02"

    def __init__(
        self,
        *,
        voice_app_id: str = "1400000001",
        voice_template_id: str = "1180001",
        param_count: int = 2,
        **gateway: object,
    ) -> None:
        super().__init__(**gateway)  # type: ignore[arg-type]
        self.voice_app_id, self.voice_template_id, self.param_count = (
            voice_app_id,
            voice_template_id,
            param_count,
        )
        self.calls: list[PlacedCall] = []

    def act(self, action: str, body: dict[str, object]) -> Reply:
        if action != "SendTtsVoice":
            return self._error("InvalidAction", f"接口`{action}`不存在。")
        if body.get("VoiceSdkAppid") != self.voice_app_id:
            return self._error("FailedOperation.SdkAppidNotExist", "VoiceSdkAppid 不存在。")
        if body.get("TemplateId") != self.voice_template_id:
            return self._error("FailedOperation.TemplateNotApproved", "模板未审核或不存在。")
        phone = str(body.get("CalledNumber", ""))
        if not E164_CN.match(phone):
            return self._error("InvalidParameterValue.IncorrectPhoneNumber", "手机号格式错误。")
        params = body.get("TemplateParamSet")
        if not isinstance(params, list) or len(params) != self.param_count:
            return self._error(
                "FailedOperation.TemplateParamSetNotMatchApprovedTemplate", "参数个数与模板不匹配。"
            )
        play = str(body.get("PlayTimes", 2))
        if not play.isdigit() or not 1 <= int(play) <= 3:
            return self._error("InvalidParameterValue", "PlayTimes 取值 1-3。")
        context = str(body.get("SessionContext", ""))
        with self._state:
            call_id = f"{int(time.time())}{len(self.calls):04d}a1b2c3"
            self.calls.append(
                PlacedCall(
                    "SendTtsVoice",
                    phone,
                    self.voice_template_id,
                    [str(p) for p in params],
                    context,
                    call_id,
                    datetime.now(UTC),
                )
            )
        return Reply(
            200,
            {
                "Response": {
                    "SendStatus": {"CallId": call_id, "SessionContext": context},
                    "RequestId": "0f5e2a1c-8d5e-4b0e-9a8e-7c3d2b1a0f9e",
                }
            },
        )

    @staticmethod
    def prompt_callback(call: PlacedCall, *, result: str = "0") -> dict[str, object]:
        stamp = str(int(call.placed_at.timestamp()))
        return {
            "voiceprompt_callback": {
                "result": result,
                "accept_time": stamp,
                "call_from": "",
                "callid": call.call_id,
                "end_calltime": stamp,
                "fee": "1",
                "mobile": re.sub(r"^\+86", "", call.phone),
                "nationcode": "86",
                "start_calltime": stamp,
            }
        }

    @staticmethod
    def key_callback(call: PlacedCall, *, key: str = "1") -> dict[str, object]:
        return {
            "voicekey_callback": {
                "callid": call.call_id,
                "keypress": key,
                "mobile": re.sub(r"^\+86", "", call.phone),
                "nationcode": "86",
                "call_from": "",
            }
        }
