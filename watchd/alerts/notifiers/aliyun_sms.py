"""Aliyun SMS (Dysmsapi 2017-05-25): SendSms and QuerySendDetails over the documented RPC HTTP API.

Requests are signed with the RPC signature v1 (HMAC-SHA1 over the canonicalised parameters). Our
message id travels as `OutId`, so QuerySendDetails can tell after a timeout whether the message went
out. Delivery reports (SmsReport) and replies (SmsUp) arrive by Aliyun's HTTP batch push at the
channel's callback URL. No retries here: the sender decides from the outcome.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import ClassVar, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from pydantic import Field

from devices.secrets import MissingSecret, read_secret
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
)
from watchd.alerts.notifiers.http_outcomes import HttpReply, LazyClient, exchange, transient_http_status
from watchd.alerts.notifiers.phone_numbers import china_national
from watchd.alerts.notifiers.template_params import MissingTemplateParam, ParamName, named_params

API_VERSION = "2017-05-25"
PROVIDER_ZONE = ZoneInfo("Asia/Shanghai")  # SendDate and push times are China wall-clock times
QUERY_PAGE_SIZE = 50
QUERY_MAX_PAGES = 10
PUSH_ANSWER = json.dumps({"code": 0, "msg": "接收成功"}, ensure_ascii=False).encode()
URL_PATTERN = r"^https?://[^\s]+$"


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


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as Aliyun's canonicalisation wants it (space → %20, '*' → %2A, '~' kept)."""
    return quote(value, safe="~")


def rpc_signature(method: str, params: Mapping[str, str], secret: str) -> str:
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _is_throttled(code: str) -> bool:
    return code.startswith("Throttling") or "LIMIT_CONTROL" in code or "BUSINESS_LIMIT" in code


def _is_transient(code: str) -> bool:
    return code in {"ServiceUnavailable", "InternalError"} or (
        code.startswith("isp.") and code != "isp.RAM_PERMISSION_DENY"
    )


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AliyunSmsNotifier:
    kind: ClassVar[str] = "aliyun_sms"

    def __init__(
        self, config: AliyunSmsConfig, context: ChannelContext, *, clock: Callable[[], datetime] = _utc_now
    ) -> None:
        self.config = config
        self._clock = clock  # wall clock: Aliyun checks request timestamps against its own
        self._http = LazyClient(config.timeout_seconds)

    async def send(self, message: OutgoingMessage) -> SendResult:
        try:
            params = named_params(message, self.config.template_params)
        except MissingTemplateParam as exc:
            return SendResult(outcome=Outcome.failed, detail=f"aliyun: {exc}")
        reply = await self._call(
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
        body = reply.json_object()
        code = str(body.get("Code", ""))
        detail = f"aliyun {code or f'HTTP {reply.status}'}: {str(body.get('Message', ''))[:200]}".strip()
        if reply.status == 200 and code == "OK":
            return SendResult(outcome=Outcome.sent, provider_id=str(body.get("BizId") or "") or None, detail=detail)
        if transient := transient_http_status(reply, provider="aliyun", code=code):
            return transient
        if _is_throttled(code):
            wait = self._limit_wait(str(body.get("Message", "")))
            return SendResult(outcome=Outcome.retry, detail=detail, retry_after_s=wait)
        if _is_transient(code):
            return SendResult(outcome=Outcome.retry, detail=detail)
        return SendResult(outcome=Outcome.failed, detail=detail)

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
                reply = await self._call("QuerySendDetails", params)
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
        try:
            items = json.loads(request.body)
        except ValueError:
            raise CallbackRejected("aliyun push: body is not JSON") from None
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise CallbackRejected("aliyun push: expected a JSON array of objects")
        receipts: list[DeliveryReceipt] = []
        replies: list[InboundReply] = []
        for item in items:
            if "content" in item:  # SmsUp
                replies.append(InboundReply(
                    sender=str(item.get("phone_number", "")),
                    text=str(item["content"]),
                    received_at=_china_iso(str(item.get("send_time", ""))) or self._clock().isoformat(),
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
        await self._http.aclose()

    async def _call(self, action: str, params: Mapping[str, str]) -> HttpReply | SendResult:
        try:
            secret = read_secret(self.config.access_key_secret_env)
        except MissingSecret as exc:
            return SendResult(outcome=Outcome.failed, detail=f"aliyun: channel {self.config.id}: {exc}")
        signed = {
            "AccessKeyId": self.config.access_key_id,
            "Action": action,
            "Format": "JSON",
            "RegionId": self.config.region_id,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": self._clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
            **params,
        }
        signed["Signature"] = rpc_signature("POST", signed, secret)
        body = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in signed.items())
        client = self._http.get()
        request = client.build_request(
            "POST",
            self.config.endpoint,
            content=body.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
        )
        return await exchange(client, request, provider="aliyun")

    def _limit_wait(self, message: str) -> float:
        """Aliyun says which flow-control window was hit ("触发分钟级流控Permits:1"): wait that window out."""
        if "分钟" in message:
            return 60.0
        if "小时" in message:
            return 3600.0
        if "天" in message or "DAY" in message.upper():
            now = self._clock().astimezone(PROVIDER_ZONE)
            midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=PROVIDER_ZONE)
            return (midnight - now).total_seconds()
        return 60.0


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


def _china_iso(text: str) -> str | None:
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=PROVIDER_ZONE).isoformat()
    except ValueError:
        return None
