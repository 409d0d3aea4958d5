"""Signed, expiring tokens: the acknowledge link in a message and the providers' callback URLs.

An acknowledge token names one message (and through it the incidents and the recipient) and an
expiry, with a truncated HMAC-SHA256: 24 URL-safe characters, short enough for an SMS.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_ACK = struct.Struct(">II")  # message row id, expiry in minutes since the epoch
_MAC_BYTES = 10


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class AckClaim:
    notification_id: int
    expires_at: datetime


class BadToken(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code  # link_invalid | link_expired


class Signer:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, purpose: bytes, payload: bytes) -> bytes:
        return hmac.new(self._key, purpose + b":" + payload, hashlib.sha256).digest()

    def ack_token(self, notification_id: int, expires_at: datetime) -> str:
        minutes = int(expires_at.timestamp() // 60) + 1
        payload = _ACK.pack(notification_id, minutes)
        return _b64(payload + self._mac(b"ack", payload)[:_MAC_BYTES])

    def read_ack_token(self, token: str, now: datetime) -> AckClaim:
        try:
            raw = _unb64(token)
        except (ValueError, TypeError):
            raise BadToken("link_invalid") from None
        if len(raw) != _ACK.size + _MAC_BYTES:
            raise BadToken("link_invalid")
        payload, mac = raw[: _ACK.size], raw[_ACK.size :]
        if not hmac.compare_digest(mac, self._mac(b"ack", payload)[:_MAC_BYTES]):
            raise BadToken("link_invalid")
        notification_id, minutes = _ACK.unpack(payload)
        expires_at = datetime.fromtimestamp(minutes * 60, UTC)
        if now >= expires_at:
            raise BadToken("link_expired")
        return AckClaim(notification_id, expires_at)

    def callback_token(self, channel_id: str) -> str:
        return _b64(self._mac(b"callback", channel_id.encode())[:16])

    def check_callback_token(self, channel_id: str, token: str) -> bool:
        return hmac.compare_digest(token.encode(), self.callback_token(channel_id).encode())


def expiry(now: datetime, ttl_hours: int) -> datetime:
    return now + timedelta(hours=ttl_hours)
