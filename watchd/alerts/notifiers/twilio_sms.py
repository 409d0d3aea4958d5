"""Twilio Programmable Messaging (2010-04-01 Messages API), for completeness: not for mainland China.

Twilio does not carry two-way SMS to +86 numbers and holds repeated messages for review, so use it
for leaders reachable on foreign numbers only. Send: POST Messages.json with HTTP basic auth
(Account SID, auth token). Twilio has no field for our id: after a timeout, `query` looks for a
message to the same number with the same body. Status callbacks and inbound SMS arrive at the
channel's callback URL and are checked against `X-Twilio-Signature`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import ClassVar, Literal
from urllib.parse import parse_qsl

from pydantic import Field, model_validator

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
from watchd.alerts.notifiers.http_outcomes import HttpReply, LazyClient, exchange, retry_after_s
from watchd.alerts.notifiers.phone_numbers import e164

URL_PATTERN = r"^https?://[^\s]+$"
E164 = r"^\+[1-9][0-9]{6,14}$"
ACCEPTED = {"queued", "accepted", "scheduled", "sending", "sent", "delivered", "read"}
NOT_DELIVERED = {"failed", "undelivered", "canceled"}
FINAL_RECEIPTS = {"delivered", "read", "failed", "undelivered"}
# Error codes that mean "not now" rather than "never": rate limits and queue overflow.
TRANSIENT_CODES = {14107, 20429, 30001}
EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class TwilioSmsConfig(ChannelConfigBase):
    """Twilio SMS. Give either `from_number` or `messaging_service_sid`."""

    kind: Literal["twilio_sms"] = Field(title="Kind", description="Twilio Messages API.")
    account_sid: str = Field(
        pattern=r"^AC[0-9a-fA-F]{32}$", title="Account SID", description="The account's SID (AC followed by 32 hex)."
    )
    auth_token_env: SecretName = Field(
        "WATCHD_TWILIO_AUTH_TOKEN", title="Auth token",
        description="Environment variable (or systemd credential) holding the account's auth token.",
    )
    from_number: str | None = Field(
        None, pattern=E164, title="From number", description="A Twilio number able to send SMS, in E.164 (+1…)."
    )
    messaging_service_sid: str | None = Field(
        None, pattern=r"^MG[0-9a-fA-F]{32}$", title="Messaging service",
        description="Send through a Messaging Service instead of one number.",
    )
    status_callback_url: str | None = Field(
        None, pattern=URL_PATTERN, max_length=500, title="Status callback URL",
        description="This channel's public callback URL (…/api/alerts/callbacks/<channel id>/<token>); Twilio "
        "posts delivery status there. Empty: no receipts, only `query`.",
    )
    endpoint: str = Field(
        "https://api.twilio.com", pattern=URL_PATTERN, max_length=200, title="Endpoint",
        description="API base URL; changed only for tests.",
    )

    @model_validator(mode="after")
    def verify_sender(self) -> TwilioSmsConfig:
        if (self.from_number is None) == (self.messaging_service_sid is None):
            raise ValueError("give exactly one of from_number and messaging_service_sid")
        return self


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """X-Twilio-Signature: HMAC-SHA1 over the URL followed by each POST parameter name+value, sorted by name."""
    payload = url + "".join(f"{k}{params[k]}" for k in sorted(params))
    return base64.b64encode(hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


class TwilioSmsNotifier:
    kind: ClassVar[str] = "twilio_sms"

    def __init__(self, config: TwilioSmsConfig, context: ChannelContext) -> None:
        self.config = config
        self._http = LazyClient(config.timeout_seconds)
        self._base = f"{config.endpoint.rstrip('/')}/2010-04-01/Accounts/{config.account_sid}"

    async def send(self, message: OutgoingMessage) -> SendResult:
        form = {"To": e164(message.recipient), "Body": message.text}
        if self.config.messaging_service_sid:
            form["MessagingServiceSid"] = self.config.messaging_service_sid
        else:
            form["From"] = self.config.from_number or ""
        if self.config.status_callback_url:
            form["StatusCallback"] = self.config.status_callback_url
        reply = await self._request("POST", "/Messages.json", data=form)
        if isinstance(reply, SendResult):
            return reply
        body = reply.json_object()
        if 200 <= reply.status < 300:
            if not body.get("sid"):  # accepted, but we cannot read what: ask before sending again
                return SendResult(outcome=Outcome.unknown, detail=f"twilio: unreadable answer (HTTP {reply.status})")
            return SendResult(outcome=Outcome.sent, provider_id=str(body["sid"]), detail=f"twilio {body.get('status', '')}")
        code = body.get("code")
        detail = f"twilio HTTP {reply.status} {code or ''}: {str(body.get('message', ''))[:200]}"
        if reply.status == 429 or reply.status >= 500 or code in TRANSIENT_CODES:
            return SendResult(outcome=Outcome.retry, detail=detail, retry_after_s=retry_after_s(reply.headers))
        return SendResult(outcome=Outcome.failed, detail=detail)

    async def query(self, message: OutgoingMessage, provider_id: str | None) -> SendResult | None:
        if provider_id:
            reply = await self._request("GET", f"/Messages/{provider_id}.json")
            if isinstance(reply, SendResult) or reply.status != 200:
                return None
            return _status_result(reply.json_object())
        # No SID (the answer never came): the newest messages to that number, matched by body.
        reply = await self._request("GET", "/Messages.json", params={"To": e164(message.recipient), "PageSize": "50"})
        if isinstance(reply, SendResult) or reply.status != 200:
            return None
        items = reply.json_object().get("messages")
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and item.get("body") == message.text:
                return _status_result(item)
        return None

    def handle_callback(self, request: CallbackRequest) -> CallbackResult:
        """A status callback (MessageStatus) or an inbound SMS (Body), signed with the auth token."""
        params = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        try:
            token = read_secret(self.config.auth_token_env)
        except MissingSecret as exc:
            raise CallbackRejected(f"twilio: cannot check the signature: {exc}") from None
        given = request.headers.get("x-twilio-signature", "")
        # Twilio signs the public URL it called; behind a TLS proxy our own view of the URL differs.
        urls = {request.url, self.config.status_callback_url or request.url}
        if not any(hmac.compare_digest(given, twilio_signature(token, url, params)) for url in urls):
            raise CallbackRejected("twilio: bad X-Twilio-Signature")
        if "MessageStatus" in params:
            status = params["MessageStatus"]
            receipts = []
            if status in FINAL_RECEIPTS:
                receipts.append(DeliveryReceipt(
                    provider_id=params.get("MessageSid"),
                    delivered=status in {"delivered", "read"},
                    detail=f"{status} {params.get('ErrorCode', '')}".strip(),
                ))
            return CallbackResult(inbound=Inbound(receipts=receipts), body=b"", content_type="text/plain")
        if "Body" in params and "From" in params:
            reply = InboundReply(sender=params["From"], text=params["Body"], received_at=_now_iso())
            return CallbackResult(inbound=Inbound(replies=[reply]), body=EMPTY_TWIML, content_type="text/xml")
        raise CallbackRejected("twilio: neither a status callback nor an inbound message")

    async def close(self) -> None:
        await self._http.aclose()

    async def _request(
        self, method: str, path: str, *, data: Mapping[str, str] | None = None, params: Mapping[str, str] | None = None
    ) -> HttpReply | SendResult:
        try:
            token = read_secret(self.config.auth_token_env)
        except MissingSecret as exc:
            return SendResult(outcome=Outcome.failed, detail=f"twilio: channel {self.config.id}: {exc}")
        client = self._http.get()
        request = client.build_request(
            method, self._base + path, data=data, params=params,
            headers={"Authorization": _basic_auth(self.config.account_sid, token)},
        )
        return await exchange(client, request, provider="twilio")


def _status_result(item: Mapping[str, object]) -> SendResult | None:
    status = str(item.get("status", ""))
    sid = str(item.get("sid") or "") or None
    if status in ACCEPTED:
        return SendResult(outcome=Outcome.sent, provider_id=sid, detail=f"twilio {status}")
    if status in NOT_DELIVERED:
        return SendResult(outcome=Outcome.failed, provider_id=sid, detail=f"twilio {status} {item.get('error_code') or ''}")
    return None


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
