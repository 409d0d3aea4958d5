"""Tencent Cloud API 3.0 as both Tencent channels use it (SMS 2021-01-11, VMS voice 2020-09-02).

One place for the TC3-HMAC-SHA256 signature (its credential scope names the service: `sms`, `vms`),
the signed JSON POST, and reading the `Response` envelope.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx

from devices.secrets import MissingSecret, read_secret
from watchd.alerts.notifiers.base import Outcome, SendResult
from watchd.alerts.notifiers.http_outcomes import HttpReply, LazyClient, exchange

CONTENT_TYPE = "application/json; charset=utf-8"
PROVIDER_ZONE = ZoneInfo("Asia/Shanghai")
TENCENT_ACK = b'{"result":0,"errmsg":"OK"}'  # what Tencent's callbacks expect back


def tc3_authorization(
    *,
    secret_id: str,
    secret_key: str,
    host: str,
    action: str,
    payload: bytes,
    timestamp: int,
    service: str = "sms",
) -> str:
    """The Authorization header value for a POST of `payload` (signed headers: content-type, host, x-tc-action)."""
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    signed_headers = "content-type;host;x-tc-action"
    canonical_headers = f"content-type:{CONTENT_TYPE}\nhost:{host.lower()}\nx-tc-action:{action.lower()}\n"
    canonical_request = "\n".join(
        ["POST", "/", "", canonical_headers, signed_headers, hashlib.sha256(payload).hexdigest()]
    )
    scope = f"{date}/{service}/tc3_request"
    string_to_sign = "\n".join(
        ["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )

    def _hmac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    signing_key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    signature = hmac.new(signing_key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"


def response_of(reply: HttpReply) -> dict[str, object]:
    inner = reply.json_object().get("Response")
    return inner if isinstance(inner, dict) else {}


class TencentApi:
    """Signed calls to one Tencent Cloud service endpoint."""

    def __init__(
        self,
        *,
        channel_id: str,
        service: str,
        version: str,
        secret_id: str,
        secret_key_env: str,
        endpoint: str,
        region: str,
        timeout_s: float,
        clock: Callable[[], datetime],
    ) -> None:
        self.channel_id = channel_id
        self.service = service
        self.version = version
        self.secret_id = secret_id
        self.secret_key_env = secret_key_env
        self.endpoint = endpoint
        self.region = region
        self.clock = clock  # wall clock: Tencent rejects timestamps more than 5 minutes off
        self._http = LazyClient(timeout_s)

    async def call(self, action: str, body: Mapping[str, object]) -> HttpReply | SendResult:
        try:
            secret_key = read_secret(self.secret_key_env)
        except MissingSecret as exc:
            return SendResult(outcome=Outcome.failed, detail=f"tencent: channel {self.channel_id}: {exc}")
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        url = httpx.URL(self.endpoint)
        host = url.netloc.decode()
        timestamp = int(self.clock().timestamp())
        headers = {
            "Authorization": tc3_authorization(
                secret_id=self.secret_id,
                secret_key=secret_key,
                host=host,
                action=action,
                payload=payload,
                timestamp=timestamp,
                service=self.service,
            ),
            "Content-Type": CONTENT_TYPE,
            "Host": host,
            "X-TC-Action": action,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": self.version,
            "X-TC-Region": self.region,
        }
        client = self._http.get()
        request = client.build_request("POST", url, content=payload, headers=headers)
        return await exchange(client, request, provider="tencent")

    async def aclose(self) -> None:
        await self._http.aclose()
