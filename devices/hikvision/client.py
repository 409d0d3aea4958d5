"""ISAPI over HTTP digest authentication (httpx), with every failure turned into a clear device error."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from devices.contracts import DeviceAuthError, DeviceUnavailable
from devices.hikvision.events import EventFormatError, xml_fields
from devices.hikvision.multipart import MultipartReader, Part, boundary_from

_LOCK = re.compile(rb"<unlockTime>([^<]*)</unlockTime>")
MAX_REPLY = 4 * 1024 * 1024


class NotSupported(DeviceUnavailable):
    """The terminal does not offer this (a 404, or no multipart event stream): fall back where possible."""


class IsapiClient:
    def __init__(
        self, base_url: str, username: str, password: str, *, timeout: float, verify_tls: bool = True,
        stream_idle_s: float = 90.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._username = username
        self._stream_idle_s = stream_idle_s
        self._http = httpx.AsyncClient(
            base_url=self.base_url, auth=httpx.DigestAuth(username, password), timeout=timeout, verify=verify_tls,
            follow_redirects=False,
        )

    async def close(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> IsapiClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _where(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def _check(self, r: httpx.Response, path: str, body: bytes) -> None:
        if r.status_code == 401:
            lock = _LOCK.search(body)
            locked = f"; the account is locked until {lock.group(1).decode(errors='replace')}" if lock else ""
            raise DeviceAuthError(f"{self._where(path)}: the terminal refused user {self._username!r}{locked}")
        if r.status_code == 404:
            raise NotSupported(f"{self._where(path)}: not supported by this terminal (404)")
        if r.status_code >= 400:
            raise DeviceUnavailable(f"{self._where(path)}: HTTP {r.status_code}: {body[:200]!r}")

    async def _request(self, method: str, path: str, **kwargs: Any) -> bytes:
        try:
            r = await self._http.request(method, path, **kwargs)
        except httpx.TimeoutException:
            raise DeviceUnavailable(f"{self._where(path)}: no reply within {self._http.timeout.read} s") from None
        except httpx.HTTPError as exc:
            raise DeviceUnavailable(f"{self._where(path)}: {type(exc).__name__}: {exc}") from None
        body = r.content[:MAX_REPLY]
        self._check(r, path, body)
        return body

    async def xml(self, path: str) -> dict[str, str]:
        return xml_fields(await self._request("GET", path))

    async def device_info(self) -> dict[str, str]:
        return await self.xml("/ISAPI/System/deviceInfo")

    async def device_time(self) -> str:
        fields = await self.xml("/ISAPI/System/time")
        if "localTime" not in fields:
            raise EventFormatError(f"{self._where('/ISAPI/System/time')}: no localTime in the reply")
        return fields["localTime"]

    async def search_events(self, condition: dict[str, Any]) -> dict[str, Any]:
        path = "/ISAPI/AccessControl/AcsEvent"
        body = await self._request("POST", path, params={"format": "json"}, json={"AcsEventCond": condition})
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise EventFormatError(f"{self._where(path)}: reply is not JSON: {body[:80]!r}") from None
        result = doc.get("AcsEvent") if isinstance(doc, dict) else None
        if not isinstance(result, dict):
            raise EventFormatError(f"{self._where(path)}: reply has no AcsEvent object")
        return result

    @asynccontextmanager
    async def alert_stream(self) -> AsyncIterator[AsyncIterator[Part]]:
        """The live event stream as parts; a silent stream raises after `stream_idle_s`."""
        path = "/ISAPI/Event/notification/alertStream"
        timeout = httpx.Timeout(self._http.timeout.connect, read=self._stream_idle_s)
        try:
            async with self._http.stream("GET", path, timeout=timeout) as r:
                if r.status_code >= 400:
                    self._check(r, path, (await r.aread())[:MAX_REPLY])
                content_type = r.headers.get("content-type", "")
                if "multipart" not in content_type.lower() and content_type:
                    raise NotSupported(f"{self._where(path)}: not a multipart stream ({content_type})")
                yield MultipartReader(_chunks(r, path, self._stream_idle_s), boundary_from(content_type))
        except httpx.TimeoutException:
            raise DeviceUnavailable(f"{self._where(path)}: the event stream went silent") from None
        except httpx.HTTPError as exc:
            raise DeviceUnavailable(f"{self._where(path)}: {type(exc).__name__}: {exc}") from None


async def _chunks(r: httpx.Response, path: str, idle_s: float) -> AsyncIterator[bytes]:
    try:
        async for chunk in r.aiter_raw():
            yield chunk
    except httpx.ReadTimeout:
        raise DeviceUnavailable(f"{path}: the event stream sent nothing for {idle_s:g} s") from None
    except httpx.HTTPError as exc:
        raise DeviceUnavailable(f"{path}: the event stream broke: {type(exc).__name__}") from None
