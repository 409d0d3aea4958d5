"""Tencent Cloud SMS (API 3.0, sms 2021-01-11): SendSms, receipts and replies, signed with TC3-HMAC-SHA256.

Our message id travels as `SessionContext`, which Tencent echoes in receipts, so after a timeout
PullSmsSendStatusByPhoneNumber tells whether the message went out. Each number's entry in
SendStatusSet carries its own code; a request-level `Error` applies to the whole call.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import ClassVar, Literal

from pydantic import Field

from watchd.alerts.notifiers.base import (
    CallbackRejected,
    CallbackRequest,
    CallbackResult,
    ChannelConfigBase,
    ChannelContext,
    DeliveryReceipt,
    Inbound,
    InboundReply,
    Outcome,
    OutgoingMessage,
    SecretName,
    SendResult,
    utc_now,
)
from watchd.alerts.notifiers.http_outcomes import transient_http_status
from watchd.alerts.notifiers.phone_numbers import e164
from watchd.alerts.notifiers.template_params import MissingTemplateParam, ParamName, ordered_params
from watchd.alerts.notifiers.tencent_api import PROVIDER_ZONE, TENCENT_ACK, TencentApi, response_of

log = logging.getLogger(__name__)

API_VERSION = "2021-01-11"
RECEIPT_WINDOW = timedelta(hours=24)
PULL_LIMIT = 100
PULL_MAX_PAGES = 10


class TencentSmsConfig(ChannelConfigBase):
    """Tencent Cloud 短信. Needs an SMS application (SdkAppId), an approved 签名 and 模板."""

    kind: Literal["tencent_sms"] = Field(title="Kind", description="Tencent Cloud SMS (SendSms).")
    secret_id: str = Field(
        min_length=8, max_length=128, pattern=r"^[A-Za-z0-9]+$", title="SecretId",
        description="API key id of a CAM user allowed to call sms:SendSms and the status/reply pulls.",
    )
    secret_key_env: SecretName = Field(
        "WATCHD_TENCENT_SECRET_KEY", title="SecretKey",
        description="Environment variable or systemd credential holding the SecretKey.",
    )
    sms_sdk_app_id: str = Field(
        pattern=r"^[0-9]{6,20}$", title="SdkAppId", description="SMS application id, e.g. 1400006666."
    )
    sign_name: str = Field(min_length=2, max_length=32, title="Sign name", description="Approved signature (签名).")
    template_id: str = Field(pattern=r"^[0-9]{1,20}$", title="Template id", description="Approved template (模板) id.")
    template_params: list[ParamName] = Field(
        default_factory=list, max_length=20, title="Template parameters",
        description="Message parameter for {1}, {2}, ... in order (site, time, event, link, ... or 'text', "
        "'incident_code'). Their count must match the template.",
    )
    region: str = Field("ap-guangzhou", pattern=r"^[a-z0-9-]{2,32}$", title="Region", description="X-TC-Region.")
    endpoint: str = Field(
        "https://sms.tencentcloudapi.com/", pattern=r"^https?://[^\s]+$", max_length=200, title="Endpoint",
        description="API endpoint; changed only for tests or a private gateway.",
    )
    pull: bool = Field(
        True, title="Pull receipts and replies",
        description="On every tick, pull delivery reports (PullSmsSendStatus) and SMS replies (PullSmsReplyStatus). "
        "Both must be enabled for the SMS application; turn off when Tencent pushes them to the callback URL.",
    )


# Codes of the form "LimitExceeded.X": how long the window is (None: until midnight, China time).
_LIMIT_WAIT_S: dict[str, float | None] = {
    "LimitExceeded.PhoneNumberThirtySecondLimit": 30.0,
    "LimitExceeded.PhoneNumberOneHourLimit": 3600.0,
    "LimitExceeded.DeliveryFrequencyLimit": 60.0,
    "LimitExceeded.PhoneNumberDailyLimit": None,
    "LimitExceeded.PhoneNumberSameContentDailyLimit": None,
    "LimitExceeded.AppDailyLimit": None,
    "LimitExceeded.AppCountryOrRegionDailyLimit": None,
    "LimitExceeded.AppMainlandChinaDailyLimit": None,
    "LimitExceeded.AppGlobalDailyLimit": None,
}
# The backend timed out talking to the carrier gateway: the SMS may have gone out.
_MAYBE_SENT = {"InternalError.Timeout", "InternalError.SendAndRecvFail"}
# Errors of our own making (clock, signature): trying again will not help.
_PERMANENT_INTERNAL = {
    "InternalError.RequestTimeException", "InternalError.SigFieldMissing", "InternalError.SigVerificationFail",
}


class TencentSmsNotifier:
    kind: ClassVar[str] = "tencent_sms"

    def __init__(
        self, config: TencentSmsConfig, context: ChannelContext, *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.config = config
        self._clock = clock
        self._api = TencentApi(
            channel_id=config.id, service="sms", version=API_VERSION, secret_id=config.secret_id,
            secret_key_env=config.secret_key_env, endpoint=config.endpoint, region=config.region,
            timeout_s=config.timeout_seconds, clock=clock,
        )
        self._pull_failing: set[str] = set()

    async def send(self, message: OutgoingMessage) -> SendResult:
        try:
            params = ordered_params(message, self.config.template_params)
        except MissingTemplateParam as exc:
            return SendResult(outcome=Outcome.failed, detail=f"tencent: {exc}")
        reply = await self._api.call(
            "SendSms",
            {
                "PhoneNumberSet": [e164(message.recipient)],
                "SmsSdkAppId": self.config.sms_sdk_app_id,
                "SignName": self.config.sign_name,
                "TemplateId": self.config.template_id,
                "TemplateParamSet": params,
                "SessionContext": message.message_id,
            },
        )
        if isinstance(reply, SendResult):
            return reply
        if transient := transient_http_status(reply, provider="tencent"):
            return transient
        response = response_of(reply)
        error = response.get("Error")
        if isinstance(error, dict):
            return self._classify(str(error.get("Code", "")), str(error.get("Message", "")), None)
        statuses = response.get("SendStatusSet")
        if not isinstance(statuses, list) or not statuses or not isinstance(statuses[0], dict):
            # An answer we cannot read: the provider may have taken the message.
            return SendResult(outcome=Outcome.unknown, detail=f"tencent: unreadable answer (HTTP {reply.status})")
        status = statuses[0]
        return self._classify(str(status.get("Code", "")), str(status.get("Message", "")), status.get("SerialNo"))

    async def query(self, message: OutgoingMessage, provider_id: str | None) -> SendResult | None:
        """Look for the receipt carrying our SessionContext (or SerialNo) in the last 24 hours."""
        now = int(self._clock().timestamp())
        for page in range(PULL_MAX_PAGES):
            reply = await self._api.call(
                "PullSmsSendStatusByPhoneNumber",
                {
                    "BeginTime": now - int(RECEIPT_WINDOW.total_seconds()),
                    "EndTime": now,
                    "Offset": page * PULL_LIMIT,
                    "Limit": PULL_LIMIT,
                    "PhoneNumber": e164(message.recipient),
                    "SmsSdkAppId": self.config.sms_sdk_app_id,
                },
            )
            if isinstance(reply, SendResult):
                return None
            receipts = response_of(reply).get("PullSmsSendStatusSet")
            if not isinstance(receipts, list):
                return None
            for item in receipts:
                if not isinstance(item, dict):
                    continue
                if item.get("SessionContext") == message.message_id or (
                    provider_id and item.get("SerialNo") == provider_id
                ):
                    receipt = _receipt(item)
                    outcome = Outcome.sent if receipt.delivered else Outcome.failed
                    return SendResult(outcome=outcome, provider_id=receipt.provider_id, detail=f"tencent receipt: {receipt.detail}")
            if len(receipts) < PULL_LIMIT:
                break
        return None

    async def poll(self) -> Inbound:
        """New delivery reports and replies; Tencent hands each out once (PullSmsSendStatus, PullSmsReplyStatus)."""
        if not self.config.pull:
            return Inbound()
        body = {"Limit": PULL_LIMIT, "SmsSdkAppId": self.config.sms_sdk_app_id}
        receipts = [_receipt(i) for i in await self._pull("PullSmsSendStatus", "PullSmsSendStatusSet", body)]
        replies = [
            InboundReply(
                sender=str(i.get("PhoneNumber", "")),
                text=str(i.get("ReplyContent", "")),
                received_at=self._reply_time(i).isoformat(),
            )
            for i in await self._pull("PullSmsReplyStatus", "PullSmsReplyStatusSet", body)
            if i.get("PhoneNumber")
        ]
        return Inbound(receipts=receipts, replies=replies)

    def handle_callback(self, request: CallbackRequest) -> CallbackResult:
        """Tencent's pushes: a JSON array of delivery reports, or one reply object."""
        try:
            data = json.loads(request.body)
        except ValueError:
            raise CallbackRejected("tencent push: body is not JSON") from None
        inbound: Inbound
        if isinstance(data, list) and all(isinstance(i, dict) and "report_status" in i for i in data):
            inbound = Inbound(receipts=[
                DeliveryReceipt(
                    provider_id=str(i.get("sid") or "") or None,
                    delivered=i["report_status"] == "SUCCESS",
                    detail=f"{i.get('errmsg', '')} {i.get('description', '')}".strip()[:200],
                )
                for i in data
            ])
        elif isinstance(data, dict) and "mobile" in data and "text" in data:
            stamp = data.get("time")
            received = datetime.fromtimestamp(stamp, UTC) if isinstance(stamp, int) else self._clock()
            sender = "+" + str(data.get("nationcode") or "86") + str(data["mobile"])
            inbound = Inbound(replies=[InboundReply(sender=sender, text=str(data["text"]), received_at=received.isoformat())])
        else:
            raise CallbackRejected("tencent push: neither delivery reports nor a reply")
        return CallbackResult(inbound=inbound, body=TENCENT_ACK)

    async def close(self) -> None:
        await self._api.aclose()

    async def _pull(self, action: str, key: str, body: Mapping[str, object]) -> list[dict[str, object]]:
        reply = await self._api.call(action, body)
        if isinstance(reply, SendResult):
            return []
        response = response_of(reply)
        error = response.get("Error")
        if isinstance(error, dict):
            if action not in self._pull_failing:  # logged once per failing spell, not on every tick
                log.warning("tencent %s refused: %s %s", action, error.get("Code"), error.get("Message"))
                self._pull_failing.add(action)
            return []
        self._pull_failing.discard(action)
        items = response.get(key)
        return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []

    def _reply_time(self, item: Mapping[str, object]) -> datetime:
        unix = item.get("ReplyUnixTime")
        if isinstance(unix, int):
            return datetime.fromtimestamp(unix, UTC)
        return _china_time(str(item.get("ReplyTime", ""))) or self._clock()

    def _classify(self, code: str, text: str, serial: object) -> SendResult:
        detail = f"tencent {code}: {text}"[:300]
        if code == "Ok":
            return SendResult(outcome=Outcome.sent, provider_id=str(serial) if serial else None, detail=detail)
        if code in _MAYBE_SENT:
            return SendResult(outcome=Outcome.unknown, detail=detail)
        if code.startswith("LimitExceeded.") or code.startswith("RequestLimitExceeded"):
            return SendResult(outcome=Outcome.retry, detail=detail, retry_after_s=self._limit_wait(code))
        if code.startswith("InternalError") and code not in _PERMANENT_INTERNAL:
            return SendResult(outcome=Outcome.retry, detail=detail)
        return SendResult(outcome=Outcome.failed, detail=detail)

    def _limit_wait(self, code: str) -> float:
        if code.startswith("RequestLimitExceeded"):
            return 1.0
        wait = _LIMIT_WAIT_S.get(code, 60.0)
        if wait is not None:
            return wait
        now = self._clock().astimezone(PROVIDER_ZONE)
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=PROVIDER_ZONE)
        return (midnight - now).total_seconds()


def _receipt(item: Mapping[str, object]) -> DeliveryReceipt:
    return DeliveryReceipt(
        message_id=str(item.get("SessionContext") or "") or None,
        provider_id=str(item.get("SerialNo") or "") or None,
        delivered=item.get("ReportStatus") == "SUCCESS",
        detail=str(item.get("Description", ""))[:200],
    )


def _china_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=PROVIDER_ZONE)
    except ValueError:
        return None
