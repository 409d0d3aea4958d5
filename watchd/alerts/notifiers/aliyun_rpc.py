"""Aliyun's RPC-style API as both Aliyun channels use it (Dysmsapi SMS and Dyvmsapi voice, both 2017-05-25).

One place for the signature v1 (HMAC-SHA1 over the canonicalised parameters), the signed POST, the
flow-control waits Aliyun names in its messages and the China wall-clock times of its pushes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from devices.secrets import MissingSecret, read_secret
from watchd.alerts.notifiers.base import CallbackRejected, Outcome, SendResult
from watchd.alerts.notifiers.http_outcomes import HttpReply, LazyClient, exchange, transient_http_status

API_VERSION = "2017-05-25"
PROVIDER_ZONE = ZoneInfo("Asia/Shanghai")  # request dates and push times are China wall-clock times
PUSH_ANSWER = json.dumps({"code": 0, "msg": "接收成功"}, ensure_ascii=False).encode()
URL_PATTERN = r"^https?://[^\s]+$"


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as Aliyun's canonicalisation wants it (space → %20, '*' → %2A, '~' kept)."""
    return quote(value, safe="~")


def rpc_signature(method: str, params: Mapping[str, str], secret: str) -> str:
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def is_throttled(code: str) -> bool:
    return code.startswith("Throttling") or "LIMIT_CONTROL" in code or "BUSINESS_LIMIT" in code


def is_transient(code: str) -> bool:
    return code in {"ServiceUnavailable", "InternalError"} or (
        code.startswith("isp.") and code != "isp.RAM_PERMISSION_DENY"
    )


def china_iso(text: str) -> str | None:
    """ "2026-03-01 03:00:12" (China time, as Aliyun pushes it) as ISO 8601 with its offset."""
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=PROVIDER_ZONE).isoformat()
    except ValueError:
        return None


def push_items(body: bytes, provider: str) -> list[dict[str, object]]:
    """Aliyun's HTTP batch push: a JSON array of objects."""
    try:
        items = json.loads(body)
    except ValueError:
        raise CallbackRejected(f"{provider} push: body is not JSON") from None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise CallbackRejected(f"{provider} push: expected a JSON array of objects")
    return items


class AliyunRpc:
    """Signed calls to one Aliyun RPC endpoint; `provider` names it in attempt details ("aliyun")."""

    def __init__(
        self,
        *,
        channel_id: str,
        access_key_id: str,
        secret_env: str,
        endpoint: str,
        region_id: str,
        timeout_s: float,
        clock: Callable[[], datetime],
        provider: str = "aliyun",
    ) -> None:
        self.channel_id = channel_id
        self.access_key_id = access_key_id
        self.secret_env = secret_env
        self.endpoint = endpoint
        self.region_id = region_id
        self.clock = clock  # wall clock: Aliyun checks request timestamps against its own
        self.provider = provider
        self._http = LazyClient(timeout_s)

    async def call(self, action: str, params: Mapping[str, str]) -> HttpReply | SendResult:
        try:
            secret = read_secret(self.secret_env)
        except MissingSecret as exc:
            return SendResult(
                outcome=Outcome.failed, detail=f"{self.provider}: channel {self.channel_id}: {exc}"
            )
        signed = {
            "AccessKeyId": self.access_key_id,
            "Action": action,
            "Format": "JSON",
            "RegionId": self.region_id,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": self.clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
            **params,
        }
        signed["Signature"] = rpc_signature("POST", signed, secret)
        body = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in signed.items())
        client = self._http.get()
        request = client.build_request(
            "POST",
            self.endpoint,
            content=body.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
        )
        return await exchange(client, request, provider=self.provider)

    def outcome(self, reply: HttpReply, *, id_field: str) -> SendResult:
        """A send's answer: Code OK → sent (with the id Aliyun gives in `id_field`), flow control and
        isp.* → retry (flow control after the window Aliyun names), anything else → failed."""
        body = reply.json_object()
        code = str(body.get("Code", ""))
        message = str(body.get("Message", ""))
        detail = f"{self.provider} {code or f'HTTP {reply.status}'}: {message[:200]}".strip()
        if reply.status == 200 and code == "OK":
            return SendResult(
                outcome=Outcome.sent, provider_id=str(body.get(id_field) or "") or None, detail=detail
            )
        if transient := transient_http_status(reply, provider=self.provider, code=code):
            return transient
        if is_throttled(code):
            return SendResult(outcome=Outcome.retry, detail=detail, retry_after_s=self.limit_wait(message))
        if is_transient(code):
            return SendResult(outcome=Outcome.retry, detail=detail)
        return SendResult(outcome=Outcome.failed, detail=detail)

    def limit_wait(self, message: str) -> float:
        """Aliyun says which flow-control window was hit ("触发分钟级流控Permits:1"): wait that window out."""
        if "分钟" in message:
            return 60.0
        if "小时" in message:
            return 3600.0
        if "天" in message or "DAY" in message.upper():
            now = self.clock().astimezone(PROVIDER_ZONE)
            midnight = datetime.combine(
                now.date() + timedelta(days=1), datetime.min.time(), tzinfo=PROVIDER_ZONE
            )
            return (midnight - now).total_seconds()
        return 60.0

    async def aclose(self) -> None:
        await self._http.aclose()
