"""Aliyun SMS (Dysmsapi 2017-05-25): SendSms and QuerySendDetails over the documented RPC HTTP API.

Requests are signed with the RPC signature v1 (HMAC-SHA1 over the canonicalised parameters). Our
message id travels as `OutId`, so QuerySendDetails can tell after a timeout whether the message went
out. Delivery reports (SmsReport) and replies (SmsUp) arrive by Aliyun's HTTP batch push at the
channel's callback URL. No retries here: the sender decides from the outcome.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import ClassVar, Literal

from pydantic import Field

from watchd.alerts.notifiers.aliyun_rpc import (
    PROVIDER_ZONE,
    PUSH_ANSWER,
    URL_PATTERN,
    AliyunRpc,
    china_iso,
    push_items,
)
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
from watchd.alerts.notifiers.phone_numbers import china_national
from watchd.alerts.notifiers.template_params import MissingTemplateParam, ParamName, named_params

QUERY_PAGE_SIZE = 50
QUERY_MAX_PAGES = 10


class AliyunSmsConfig(ChannelConfigBase):
    """Aliyun 短信服务. Needs an approved 签名 (sign_name) and 模板 (template_code)."""

    kind: Literal["aliyun_sms"] = Field(title="Kind", description="Aliyun SMS (Dysmsapi SendSms).")
    access_key_id: str = Field(
        min_length=8, max_length=64, pattern=r"^[A-Za-z0-9]+$", title="AccessKey ID",
        description="AccessKey ID of a RAM user allowed to call dysmsapi SendSms and QuerySendDetails.",
    )
    access_key_secret_env: SecretName = Field(
        "WATCHD_ALIYUN_ACCESS_KEY_SECRET", title="AccessKey secret",
        description="Environment variable (or systemd credential) holding the AccessKey secret.",
    )
    sign_name: str = Field(
        min_length=2, max_length=32, title="Sign name", description="Approved SMS signature (签名), e.g. 阿嘎如泰苏木."
    )
    template_code: str = Field(
        pattern=r"^SMS_[0-9]{4,20}$", title="Template code", description="Approved template (模板), e.g. SMS_153055065."
    )
    template_params: dict[ParamName, ParamName] = Field(
        default_factory=dict, max_length=20, title="Template variables",
        description="Template variable → message parameter (site, time, event, code, link, or 'text', "
        "'incident_code'). Empty: the message's parameters are sent as they are.",
    )
    region_id: str = Field("cn-hangzhou", pattern=r"^[a-z0-9-]{2,32}$", title="Region", description="RegionId.")
    endpoint: str = Field(
        "https://dysmsapi.aliyuncs.com/", pattern=URL_PATTERN, max_length=200, title="Endpoint",
        description="API endpoint; changed only for tests or a private gateway.",
    )


class AliyunSmsNotifier:
    kind: ClassVar[str] = "aliyun_sms"

    def __init__(
        self, config: AliyunSmsConfig, context: ChannelContext, *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.config = config
        self._clock = clock
        self._rpc = AliyunRpc(
            channel_id=config.id, access_key_id=config.access_key_id, secret_env=config.access_key_secret_env,
            endpoint=config.endpoint, region_id=config.region_id, timeout_s=config.timeout_seconds, clock=clock,
        )

    async def send(self, message: OutgoingMessage) -> SendResult:
        try:
            params = named_params(message, self.config.template_params)
        except MissingTemplateParam as exc:
            return SendResult(outcome=Outcome.failed, detail=f"aliyun: {exc}")
        reply = await self._rpc.call(
            "SendSms",
            {
                "PhoneNumbers": china_national(message.recipient),
                "SignName": self.config.sign_name,
                "TemplateCode": self.config.template_code,
                "TemplateParam": json.dumps(params, ensure_ascii=False, separators=(",", ":")),
                "OutId": message.message_id,
            },
        )
        if isinstance(reply, SendResult):
            return reply
        return self._rpc.outcome(reply, id_field="BizId")

    async def query(self, message: OutgoingMessage, provider_id: str | None) -> SendResult | None:
        """Look the message up by OutId (or BizId) in QuerySendDetails, today and yesterday (China time)."""
        today = self._clock().astimezone(PROVIDER_ZONE).date()
        for day in (today, today - timedelta(days=1)):
            for page in range(1, QUERY_MAX_PAGES + 1):
                params = {
                    "PhoneNumber": china_national(message.recipient),
                    "SendDate": day.strftime("%Y%m%d"),
                    "PageSize": str(QUERY_PAGE_SIZE),
                    "CurrentPage": str(page),
                }
                if provider_id:
                    params["BizId"] = provider_id
                reply = await self._rpc.call("QuerySendDetails", params)
                if isinstance(reply, SendResult) or reply.json_object().get("Code") != "OK":
                    return None  # cannot tell now; the sender asks again later
                details = _details(reply.json_object())
                for item in details:
                    if item.get("OutId") == message.message_id:
                        return _status_result(item, provider_id)
                if len(details) < QUERY_PAGE_SIZE:
                    break
        return None

    def handle_callback(self, request: CallbackRequest) -> CallbackResult:
        """Aliyun's HTTP batch push: a JSON array of SmsReport (delivery) or SmsUp (reply) entries."""
        items = push_items(request.body, "aliyun")
        receipts: list[DeliveryReceipt] = []
        replies: list[InboundReply] = []
        for item in items:
            if "content" in item:  # SmsUp
                replies.append(InboundReply(
                    sender=str(item.get("phone_number", "")),
                    text=str(item["content"]),
                    received_at=china_iso(str(item.get("send_time", ""))) or self._clock().isoformat(),
                ))
            elif "success" in item:  # SmsReport
                receipts.append(DeliveryReceipt(
                    message_id=str(item.get("out_id") or "") or None,
                    provider_id=str(item.get("biz_id") or "") or None,
                    delivered=item["success"] is True,
                    detail=f"{item.get('err_code', '')} {item.get('err_msg', '')}".strip()[:200],
                ))
            else:
                raise CallbackRejected("aliyun push: entry is neither SmsReport nor SmsUp")
        return CallbackResult(
            inbound=Inbound(receipts=receipts, replies=replies), body=PUSH_ANSWER,
            content_type="application/json; charset=utf-8",
        )

    async def close(self) -> None:
        await self._rpc.aclose()


def _details(body: Mapping[str, object]) -> list[Mapping[str, object]]:
    container = body.get("SmsSendDetailDTOs")
    items = container.get("SmsSendDetailDTO") if isinstance(container, dict) else None
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


_SEND_STATUS_FAILED, _SEND_STATUS_DELIVERED = 2, 3
_ERR_CODE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def _status_result(item: Mapping[str, object], provider_id: str | None) -> SendResult:
    status = item.get("SendStatus")
    err = str(item.get("ErrCode", ""))
    err = err if _ERR_CODE.match(err) else "?"
    if status == _SEND_STATUS_FAILED:
        return SendResult(outcome=Outcome.failed, provider_id=provider_id, detail=f"aliyun receipt: failed ({err})")
    state = "delivered" if status == _SEND_STATUS_DELIVERED else "waiting for receipt"
    return SendResult(outcome=Outcome.sent, provider_id=provider_id, detail=f"aliyun receipt: {state} ({err})")
