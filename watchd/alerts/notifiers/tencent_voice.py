"""Tencent Cloud voice messages (VMS, API 3.0 version 2020-09-02): SendTtsVoice, signed with
TC3-HMAC-SHA256 like Tencent SMS (tencent_api.py).

Our message id travels as `SessionContext`; Tencent's `CallId` is the provider id, and its callbacks
name the call by `callid`: `voiceprompt_callback` (result 0 answered, 1 not answered, 2 error) is the
receipt, `voicekey_callback` (keypress) a key press; the acknowledge key acknowledges. VMS has no
query API: after an unknown outcome the sender waits for the callback, then fails over.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator

from watchd.alerts.notifiers.base import (
    CallbackRejected,
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
from watchd.alerts.notifiers.http_outcomes import transient_http_status
from watchd.alerts.notifiers.phone_numbers import e164
from watchd.alerts.notifiers.template_params import MissingTemplateParam, ParamName, param_value
from watchd.alerts.notifiers.tencent_api import TENCENT_ACK, TencentApi, response_of
from watchd.alerts.notifiers.voice_templates import problems_text, spoken_value, tencent_template_problems

API_VERSION = "2020-09-02"
# The backend lost the answer from the carrier: the call may have been placed.
_MAYBE_PLACED = {"InternalError.Timeout", "InternalError.SendAndRecvFail"}


class TencentVoiceConfig(CallChannelConfigBase):
    """Tencent Cloud 语音消息. Needs a voice application (VoiceSdkAppid) and an approved template."""

    kind: Literal["tencent_voice"] = Field(
        title="Kind", description="Tencent Cloud voice message (SendTtsVoice)."
    )
    secret_id: str = Field(
        min_length=8,
        max_length=128,
        pattern=r"^[A-Za-z0-9]+$",
        title="SecretId",
        description="API key id of a CAM user allowed to call vms:SendTtsVoice.",
    )
    secret_key_env: SecretName = Field(
        "WATCHD_TENCENT_SECRET_KEY",
        title="SecretKey",
        description="Environment variable or systemd credential holding the SecretKey.",
    )
    voice_sdk_app_id: str = Field(
        pattern=r"^[0-9]{6,20}$", title="VoiceSdkAppid", description="Voice application id, e.g. 1400000001."
    )
    template_id: str = Field(
        pattern=r"^[0-9]{1,20}$", title="Template id", description="Approved voice template id."
    )
    template_params: list[ParamName] = Field(
        default_factory=lambda: ["site", "event"],
        max_length=10,
        title="Template parameters",
        description="Message parameter for {1}, {2}, ... in order (site, time, event, code, township).",
    )
    template_text: str = Field(
        min_length=1,
        max_length=350,
        title="Approved template text",
        description="The template text exactly as approved, e.g. '{1}发生{2}，请按1确认'. Checked at start.",
    )
    ack_key: str = Field(
        "1",
        pattern=r"^[0-9]$",
        title="Acknowledge key",
        description="The key (voicekey_callback keypress) that acknowledges the incident.",
    )
    play_times: int = Field(
        2, ge=1, le=3, title="Play times", description="How often the text is read (1-3)."
    )
    region: str = Field(
        "ap-guangzhou", pattern=r"^[a-z0-9-]{2,32}$", title="Region", description="X-TC-Region."
    )
    endpoint: str = Field(
        "https://vms.tencentcloudapi.com/",
        pattern=r"^https?://[^\s]+$",
        max_length=200,
        title="Endpoint",
        description="API endpoint; changed only for tests or a private gateway.",
    )

    @field_validator("template_text")
    @classmethod
    def follows_tencent_rules(cls, value: str, info: ValidationInfo) -> str:
        problems = tencent_template_problems(value, len(info.data.get("template_params") or []))
        if problems:
            raise ValueError(problems_text(problems))
        return value


class TencentVoiceNotifier:
    kind: ClassVar[str] = "tencent_voice"

    def __init__(
        self, config: TencentVoiceConfig, context: ChannelContext, *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.config = config
        self._api = TencentApi(
            channel_id=config.id,
            service="vms",
            version=API_VERSION,
            secret_id=config.secret_id,
            secret_key_env=config.secret_key_env,
            endpoint=config.endpoint,
            region=config.region,
            timeout_s=config.timeout_seconds,
            clock=clock,
        )

    async def send(self, message: OutgoingMessage) -> SendResult:
        try:
            params = [spoken_value(param_value(message, source)) for source in self.config.template_params]
        except MissingTemplateParam as exc:
            return SendResult(outcome=Outcome.failed, detail=f"tencent voice: {exc}")
        reply = await self._api.call(
            "SendTtsVoice",
            {
                "TemplateId": self.config.template_id,
                "CalledNumber": e164(message.recipient),
                "VoiceSdkAppid": self.config.voice_sdk_app_id,
                "TemplateParamSet": params,
                "PlayTimes": self.config.play_times,
                "SessionContext": message.message_id,
            },
        )
        if isinstance(reply, SendResult):
            return reply
        if transient := transient_http_status(reply, provider="tencent voice"):
            return transient
        response = response_of(reply)
        error = response.get("Error")
        if isinstance(error, dict):
            return _classify(str(error.get("Code", "")), str(error.get("Message", "")))
        status = response.get("SendStatus")
        if not isinstance(status, dict) or not status.get("CallId"):
            return SendResult(
                outcome=Outcome.unknown, detail=f"tencent voice: unreadable answer (HTTP {reply.status})"
            )
        return SendResult(
            outcome=Outcome.sent, provider_id=str(status["CallId"]), detail="tencent voice: call placed"
        )

    async def query(self, message: OutgoingMessage, provider_id: str | None) -> SendResult | None:
        return None  # VMS has no lookup: the voiceprompt_callback is the only answer

    def handle_callback(self, request: CallbackRequest) -> CallbackResult:
        try:
            data = json.loads(request.body)
        except ValueError:
            raise CallbackRejected("tencent voice push: body is not JSON") from None
        if not isinstance(data, dict):
            raise CallbackRejected("tencent voice push: expected a JSON object")
        prompt, key = data.get("voiceprompt_callback"), data.get("voicekey_callback")
        if isinstance(prompt, dict) and prompt.get("callid"):
            result = str(prompt.get("result", ""))
            text = {"0": "answered", "1": "not answered", "2": "call error"}.get(result, f"result {result}")
            inbound = Inbound(
                receipts=[
                    DeliveryReceipt(provider_id=str(prompt["callid"]), delivered=result == "0", detail=text)
                ]
            )
        elif isinstance(key, dict) and key.get("callid"):
            pressed = str(key.get("keypress", ""))[:1]
            inbound = Inbound(
                key_presses=[
                    KeyPress(
                        provider_id=str(key["callid"]),
                        key=pressed,
                        acknowledges=pressed == self.config.ack_key,
                    )
                ]
            )
        else:
            raise CallbackRejected("tencent voice push: neither voiceprompt_callback nor voicekey_callback")
        return CallbackResult(inbound=inbound, body=TENCENT_ACK)

    async def close(self) -> None:
        await self._api.aclose()


def _classify(code: str, text: str) -> SendResult:
    detail = f"tencent voice {code}: {text}"[:300]
    if code in _MAYBE_PLACED:
        return SendResult(outcome=Outcome.unknown, detail=detail)
    if code.startswith("RequestLimitExceeded") or (
        code.startswith("InternalError") and code != "InternalError.SigVerificationFail"
    ):
        return SendResult(outcome=Outcome.retry, detail=detail)
    # LimitExceeded.* (the per-number caps), FailedOperation.*, AuthFailure.*, bad numbers: not here, fail over.
    return SendResult(outcome=Outcome.failed, detail=detail)
