"""Aliyun voice (Dyvmsapi 2017-05-25): SingleCallByTts, or IvrCall where a number is bought so that
pressing a key (1) acknowledges, over the same signed RPC API as Aliyun SMS (aliyun_rpc.py).

Our message id travels as `OutId` (Aliyun keeps 15 bytes: the first 15 characters of our id);
Aliyun's `CallId` is the provider id. Call reports (VoiceReport: status, `dtmf`, `out_id`) arrive
by Aliyun's HTTP batch push at the channel's callback URL: status 200000 means answered, any other
final status not answered; a `dtmf` holding the acknowledge key is a key press that acknowledges.
After an unknown outcome with a CallId, QueryCallDetailByCallId tells whether the call was placed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from watchd.alerts.notifiers.aliyun_rpc import PUSH_ANSWER, URL_PATTERN, AliyunRpc, push_items
from watchd.alerts.notifiers.base import (
    CallbackRequest,
    CallbackResult,
    CallChannelConfigBase,
    ChannelContext,
    DeliveryReceipt,
    Inbound,
    KeyPress,
    Outcome,
    OutgoingMessage,
    SecretName,
    SendResult,
    utc_now,
)
from watchd.alerts.notifiers.phone_numbers import china_national
from watchd.alerts.notifiers.template_params import MissingTemplateParam, ParamName, param_value
from watchd.alerts.notifiers.voice_templates import aliyun_template_problems, problems_text, spoken_value

OUT_ID_BYTES = 15
ANSWERED = "200000"
PROD_ID = {"tts": "11010000138001", "ivr": "11000000300005"}  # QueryCallDetailByCallId's product ids
TTS_CODE = r"^TTS_[0-9]{4,20}$"


class AliyunVoiceConfig(CallChannelConfigBase):
    """Aliyun 语音服务. Needs an approved voice template (TtsCode) and, for IvrCall, a bought number."""

    kind: Literal["aliyun_voice"] = Field(title="Kind", description="Aliyun voice call (Dyvmsapi).")
    access_key_id: str = Field(
        min_length=8,
        max_length=64,
        pattern=r"^[A-Za-z0-9]+$",
        title="AccessKey ID",
        description="AccessKey ID of a RAM user allowed to call dyvms SingleCallByTts / IvrCall.",
    )
    access_key_secret_env: SecretName = Field(
        "WATCHD_ALIYUN_ACCESS_KEY_SECRET",
        title="AccessKey secret",
        description="Environment variable (or systemd credential) holding the AccessKey secret.",
    )
    called_show_number: str | None = Field(
        None,
        pattern=r"^[0-9]{5,20}$",
        title="Caller number",
        description="The number bought from Aliyun (exclusive mode). Empty: public mode (a number from Aliyun's "
        "pool; SingleCallByTts only, at most two template variables).",
    )
    ivr: bool = Field(
        False,
        title="IvrCall",
        description="Call with IvrCall so that pressing ack_key acknowledges the incident. Needs called_show_number.",
    )
    tts_code: str = Field(
        pattern=TTS_CODE, title="Voice template", description="Approved template, e.g. TTS_2870001."
    )
    tts_params: dict[ParamName, ParamName] = Field(
        default_factory=lambda: {"place": "site", "event": "event"},
        max_length=10,
        title="Template variables",
        description="Template variable → message parameter (site, time, event, code, township). Aliyun reserves "
        "the variable name 'site': call it place.",
    )
    template_text: str = Field(
        min_length=1,
        max_length=1000,
        title="Approved template text",
        description="The template text exactly as approved, e.g. '${place}发生${event}，请按1确认'. Checked at start "
        "against Aliyun's rules.",
    )
    ack_key: str = Field(
        "1", pattern=r"^[0-9]$", title="Acknowledge key", description="IvrCall: the key that acknowledges."
    )
    ack_tts_code: str | None = Field(
        None,
        pattern=TTS_CODE,
        title="After the key",
        description="IvrCall: the template played after the acknowledge key (e.g. '已确认，谢谢').",
    )
    bye_tts_code: str | None = Field(
        None,
        pattern=TTS_CODE,
        title="Goodbye",
        description="IvrCall: the template played when no key was pressed.",
    )
    key_timeout_ms: int = Field(
        10_000,
        ge=1000,
        le=60_000,
        title="Key timeout",
        description="IvrCall: milliseconds to wait for a key.",
    )
    play_times: int = Field(
        2, ge=1, le=3, title="Play times", description="How often the text is read (1-3)."
    )
    region_id: str = Field(
        "cn-hangzhou", pattern=r"^[a-z0-9-]{2,32}$", title="Region", description="RegionId."
    )
    endpoint: str = Field(
        "https://dyvmsapi.aliyuncs.com/",
        pattern=URL_PATTERN,
        max_length=200,
        title="Endpoint",
        description="API endpoint; changed only for tests or a private gateway.",
    )

    @field_validator("template_text")
    @classmethod
    def follows_aliyun_rules(cls, value: str, info: ValidationInfo) -> str:
        variables = info.data.get("tts_params") or {}
        problems = aliyun_template_problems(
            value, variables, public_mode=not info.data.get("called_show_number")
        )
        if problems:
            raise ValueError(problems_text(problems))
        return value

    @model_validator(mode="after")
    def ivr_needs_a_number(self) -> AliyunVoiceConfig:
        if self.ivr and not self.called_show_number:
            raise ValueError("ivr = true needs called_show_number (IvrCall works only from a bought number)")
        if self.ivr and not self.ack_tts_code:
            raise ValueError("ivr = true needs ack_tts_code (the template played after the acknowledge key)")
        return self


class AliyunVoiceNotifier:
    kind: ClassVar[str] = "aliyun_voice"

    def __init__(
        self, config: AliyunVoiceConfig, context: ChannelContext, *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.config = config
        self._clock = clock
        self._rpc = AliyunRpc(
            channel_id=config.id,
            access_key_id=config.access_key_id,
            secret_env=config.access_key_secret_env,
            endpoint=config.endpoint,
            region_id=config.region_id,
            timeout_s=config.timeout_seconds,
            clock=clock,
        )

    async def send(self, message: OutgoingMessage) -> SendResult:
        try:
            values = {
                name: spoken_value(param_value(message, src)) for name, src in self.config.tts_params.items()
            }
        except MissingTemplateParam as exc:
            return SendResult(outcome=Outcome.failed, detail=f"aliyun voice: {exc}")
        params = _json(values)
        common = {
            "CalledNumber": china_national(message.recipient),
            "PlayTimes": str(self.config.play_times),
            "OutId": message.message_id[:OUT_ID_BYTES],
        }
        if self.config.called_show_number:
            common["CalledShowNumber"] = self.config.called_show_number
        if self.config.ivr:
            assert self.config.ack_tts_code is not None
            action = "IvrCall"
            request = {
                **common,
                "StartCode": self.config.tts_code,
                "StartTtsParams": params,
                # A repeat list, flattened as the RPC API takes it (and the official SDK sends it).
                "MenuKeyMap.1.Key": self.config.ack_key, "MenuKeyMap.1.Code": self.config.ack_tts_code,
                "Timeout": str(self.config.key_timeout_ms),
            }
            if self.config.bye_tts_code:
                request["ByeCode"] = self.config.bye_tts_code
        else:
            action = "SingleCallByTts"
            request = {**common, "TtsCode": self.config.tts_code, "TtsParam": params}
        reply = await self._rpc.call(action, request)
        if isinstance(reply, SendResult):
            return reply
        return self._rpc.outcome(reply, id_field="CallId")

    async def query(self, message: OutgoingMessage, provider_id: str | None) -> SendResult | None:
        """With a CallId: QueryCallDetailByCallId says whether the call was placed. Without: cannot tell."""
        if not provider_id:
            return None
        reply = await self._rpc.call(
            "QueryCallDetailByCallId",
            {
                "CallId": provider_id,
                "ProdId": PROD_ID["ivr" if self.config.ivr else "tts"],
                "QueryDate": str(int(self._clock().timestamp() * 1000)),
            },
        )
        if isinstance(reply, SendResult):
            return None
        body = reply.json_object()
        if body.get("Code") == "OK" and body.get("Data"):
            return SendResult(
                outcome=Outcome.sent, provider_id=provider_id, detail="aliyun voice: call found"
            )
        return None

    def handle_callback(self, request: CallbackRequest) -> CallbackResult:
        """VoiceReport entries (final: status_code, dtmf); VoiceCallReport entries (ringing, answered:
        status_time) carry nothing final and are skipped."""
        receipts: list[DeliveryReceipt] = []
        keys: list[KeyPress] = []
        for item in push_items(request.body, "aliyun voice"):
            if "status_time" in item and "end_time" not in item:
                continue  # VoiceCallReport: an intermediate state
            out_id = str(item.get("out_id") or "") or None
            call_id = str(item.get("call_id") or "") or None
            status = str(item.get("status_code", ""))
            dtmf = str(item.get("dtmf") or "")
            receipts.append(
                DeliveryReceipt(
                    message_id=out_id,
                    provider_id=call_id,
                    delivered=status == ANSWERED,
                    detail=f"{status} {item.get('status_msg', '')}".strip()[:200],
                )
            )
            if dtmf:
                keys.append(
                    KeyPress(
                        message_id=out_id,
                        provider_id=call_id,
                        key=dtmf[:1],
                        acknowledges=dtmf[:1] == self.config.ack_key,
                    )
                )
        return CallbackResult(
            inbound=Inbound(receipts=receipts, key_presses=keys),
            body=PUSH_ANSWER,
            content_type="application/json; charset=utf-8",
        )

    async def close(self) -> None:
        await self._rpc.aclose()


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
