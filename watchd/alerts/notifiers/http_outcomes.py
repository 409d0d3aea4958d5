"""What an HTTP exchange with a provider means for delivery, before the provider's own codes are read.

The rule that matters: once the request may have reached the provider, a failure is `unknown`, never
`retry`, because SMS send calls are not idempotent (Aliyun and Tencent both say so). A refused or
failed connection, or a pool timeout, means nothing was sent: `retry`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from watchd.alerts.notifiers.base import Outcome, SendResult

MAX_RETRY_AFTER_S = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class HttpReply:
    """A response that arrived: status, headers and the body as JSON (None when it is not JSON)."""

    status: int
    headers: httpx.Headers
    body: object
    text: str

    def json_object(self) -> dict[str, object]:
        return self.body if isinstance(self.body, dict) else {}


MAX_CONNECT_TIMEOUT_S = 5.0


class LazyClient:
    """An httpx client opened on first use (constructors do no I/O and bind no event loop)."""

    def __init__(self, timeout_s: float) -> None:
        self._timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, MAX_CONNECT_TIMEOUT_S))
        self._client: httpx.AsyncClient | None = None

    def get(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


async def exchange(client: httpx.AsyncClient, request: httpx.Request, *, provider: str) -> HttpReply | SendResult:
    """Send `request`; a transport failure becomes a SendResult (retry before sending, unknown after)."""
    try:
        response = await client.send(request)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        return SendResult(outcome=Outcome.retry, detail=f"{provider}: cannot connect ({type(exc).__name__})")
    except (httpx.WriteError, httpx.WriteTimeout) as exc:
        # The request was not completely written: the provider cannot have acted on it.
        return SendResult(outcome=Outcome.retry, detail=f"{provider}: request not sent ({type(exc).__name__})")
    except httpx.TimeoutException as exc:
        return SendResult(
            outcome=Outcome.unknown, detail=f"{provider}: no response after the request was sent ({type(exc).__name__})"
        )
    except httpx.HTTPError as exc:  # connection reset or closed while waiting for the answer
        return SendResult(
            outcome=Outcome.unknown, detail=f"{provider}: connection lost after the request was sent ({type(exc).__name__})"
        )
    text = response.text
    try:
        body: object = json.loads(text) if text else None
    except ValueError:
        body = None
    return HttpReply(status=response.status_code, headers=response.headers, body=body, text=text)


def retry_after_s(headers: httpx.Headers, now: datetime | None = None) -> float | None:
    """The Retry-After header in seconds (delta-seconds or an HTTP date), capped at a day."""
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def transient_http_status(reply: HttpReply, *, provider: str, code: str = "") -> SendResult | None:
    """429 and 5xx: the provider did not take the message; try again (after Retry-After when given)."""
    if reply.status == 429 or reply.status >= 500:
        label = f" {code}" if code else ""
        return SendResult(
            outcome=Outcome.retry,
            detail=f"{provider}: HTTP {reply.status}{label}",
            retry_after_s=retry_after_s(reply.headers),
        )
    return None


class RedactQueryFilter(logging.Filter):
    """httpx logs every request URL at INFO; robot URLs carry the access token in the query. Drop it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(a, httpx.URL) and a.query for a in record.args):
            record.args = tuple(
                a.copy_with(query=b"redacted") if isinstance(a, httpx.URL) and a.query else a for a in record.args
            )
        return True


_REDACTOR = RedactQueryFilter()


def redact_request_urls_in_logs() -> None:
    """Install the redaction on the httpx logger (idempotent)."""
    logger = logging.getLogger("httpx")
    if _REDACTOR not in logger.filters:
        logger.addFilter(_REDACTOR)


def errcode_result(
    reply: HttpReply, *, provider: str, throttled: dict[int, float], busy: frozenset[int] = frozenset({-1})
) -> SendResult:
    """Chat robots answer HTTP 200 with {"errcode": 0, "errmsg": "ok"}; map errcode to an outcome.

    `throttled`: errcode → seconds to wait; `busy`: errcodes that mean "system busy, try again".
    Every other non-zero errcode (bad token, bad signature, keyword missing, robot disabled) fails over.
    """
    if transient := transient_http_status(reply, provider=provider):
        return transient
    body = reply.json_object()
    code = body.get("errcode")
    detail = f"{provider} errcode {code}: {str(body.get('errmsg', ''))[:200]}"
    if reply.status == 200 and code == 0:
        return SendResult(outcome=Outcome.sent, detail=detail)
    if isinstance(code, int) and code in throttled:
        return SendResult(outcome=Outcome.retry, detail=detail, retry_after_s=throttled[code])
    if isinstance(code, int) and code in busy:
        return SendResult(outcome=Outcome.retry, detail=detail)
    if code is None:
        return SendResult(outcome=Outcome.unknown, detail=f"{provider}: unreadable answer (HTTP {reply.status})")
    return SendResult(outcome=Outcome.failed, detail=detail)
