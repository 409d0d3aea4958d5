"""Generic webhook channel: one JSON POST per message, our id as the idempotency key.

Request (POST `url`)::

    {"message_id": "...", "recipient": "13800000003", "text": "【值班提醒】…", "incident_code": "1001",
     "params": {"site": "…", "time": "22:41", "event": "…", "code": "1001", "link": "https://…"}}

Headers: `Idempotency-Key: <message_id>`; with `secret_env` set also `X-Watchd-Timestamp` and
`X-Watchd-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`.

Answers: 2xx (optionally `{"id": "..."}`) or 409 (already have it) → sent; 429 and 5xx → retry
(honouring `Retry-After`); other 4xx → failed. Transport failures as in `http_outcomes`: nothing
sent → retry; a timeout or a dropped connection after the request went out → unknown.

`status_url` (optional): `GET status_url?message_id=…` → 200 `{"status": "accepted|sent|delivered|
failed", "id": "..."}`, or 404 when the receiver never got it. Without it, `idempotent = true`
declares that the receiver drops repeats of an Idempotency-Key, so re-sending is safe.

Callbacks (`/api/alerts/callbacks/{id}/{token}`), signed like requests when a secret is set::

    {"receipts": [{"message_id": "...", "provider_id": "...", "status": "delivered|failed", "detail": "..."}],
     "replies": [{"sender": "13800000003", "text": "1", "received_at": "2026-11-23T22:45:00+08:00"}]}
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import ClassVar, Literal

from pydantic import Field

from devices.secrets import read_secret
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

URL_PATTERN = r"^https?://[^\s]+$"
MAX_SKEW_S = 300


class WebhookChannelConfig(ChannelConfigBase):
    kind: Literal["webhook"] = Field(title="Kind", description="POST each message as JSON to a URL.")
    url: str = Field(pattern=URL_PATTERN, max_length=500, title="URL", description="Where messages are POSTed.")
    status_url: str | None = Field(
        None, pattern=URL_PATTERN, max_length=500, title="Status URL",
        description="Asked after a timeout whether a message arrived (GET ?message_id=…). Optional.",
    )
    idempotent: bool = Field(
        False, title="Receiver drops repeats",
        description="The receiver ignores a repeated Idempotency-Key, so a message whose fate is unknown "
        "may be sent again at once. Leave false unless the receiver really does this.",
    )
    secret_env: SecretName | None = Field(
        None, title="Signing secret",
        description="Environment variable (or systemd credential) holding the HMAC key that signs requests "
        "and verifies callbacks.",
    )


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


class WebhookNotifier:
    kind: ClassVar[str] = "webhook"

    def __init__(self, config: WebhookChannelConfig, context: ChannelContext) -> None:
        self.config = config
        self._client = LazyClient(config.timeout_seconds)

    def _secret(self) -> str | None:
        return read_secret(self.config.secret_env) if self.config.secret_env else None

    async def send(self, message: OutgoingMessage) -> SendResult:
        body = json.dumps(
            {
                "message_id": message.message_id, "recipient": message.recipient, "text": message.text,
                "incident_code": message.incident_code, "params": dict(message.template_params),
            },
            ensure_ascii=False,
        ).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": message.message_id}
        secret = self._secret()
        if secret is not None:
            ts = str(int(time.time()))
            headers |= {"X-Watchd-Timestamp": ts, "X-Watchd-Signature": sign(secret, ts, body)}
        client = self._client.get()
        reply = await exchange(client, client.build_request("POST", self.config.url, content=body, headers=headers),
                               provider="webhook")
        if isinstance(reply, SendResult):
            return reply
        if 200 <= reply.status < 300 or reply.status == 409:
            return SendResult(outcome=Outcome.sent, provider_id=_id(reply), detail=f"HTTP {reply.status}")
        transient = transient_http_status(reply, provider="webhook")
        if transient is not None:
            return transient
        return SendResult(outcome=Outcome.failed, detail=f"webhook: HTTP {reply.status} {reply.text[:200]}")

    async def query(self, message: OutgoingMessage, provider_id: str | None) -> SendResult | None:
        if self.config.status_url is None:
            if self.config.idempotent:
                return SendResult(outcome=Outcome.retry, detail="receiver drops repeated Idempotency-Keys")
            return None
        client = self._client.get()
        request = client.build_request("GET", self.config.status_url, params={"message_id": message.message_id})
        reply = await exchange(client, request, provider="webhook")
        if isinstance(reply, SendResult) or reply.status not in (200, 404):
            return None
        if reply.status == 404:
            return SendResult(outcome=Outcome.retry, detail="receiver never got it")
        status = str(reply.json_object().get("status", ""))
        if status in {"accepted", "sent", "delivered"}:
            return SendResult(outcome=Outcome.sent, provider_id=_id(reply), detail=f"status {status}")
        if status == "failed":
            return SendResult(outcome=Outcome.failed, detail=str(reply.json_object().get("detail", "failed")))
        return None

    def handle_callback(self, request: CallbackRequest) -> CallbackResult:
        secret = self._secret()
        if secret is not None:
            ts = request.headers.get("x-watchd-timestamp", "")
            given = request.headers.get("x-watchd-signature", "")
            if not ts.isdigit() or abs(time.time() - int(ts)) > MAX_SKEW_S:
                raise CallbackRejected("missing or stale X-Watchd-Timestamp")
            if not hmac.compare_digest(given, sign(secret, ts, request.body)):
                raise CallbackRejected("bad X-Watchd-Signature")
        try:
            data = json.loads(request.body or b"{}")
            receipts = [
                DeliveryReceipt(
                    message_id=r.get("message_id"), provider_id=r.get("provider_id"),
                    delivered=r["status"] == "delivered", detail=str(r.get("detail", r["status"])),
                )
                for r in data.get("receipts", [])
            ]
            replies = [
                InboundReply(sender=str(r["sender"]), text=str(r["text"]), received_at=str(r["received_at"]))
                for r in data.get("replies", [])
            ]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CallbackRejected(f"not a webhook callback body: {exc}") from None
        return CallbackResult(inbound=Inbound(receipts=receipts, replies=replies))

    async def close(self) -> None:
        await self._client.aclose()


def _id(reply: HttpReply) -> str | None:
    value = reply.json_object().get("id")
    return str(value) if value is not None else None
