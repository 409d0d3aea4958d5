"""An incremental reader of the `multipart/mixed` body of /ISAPI/Event/notification/alertStream.

Each part is one event (JSON or XML), sometimes followed by an image part. The boundary is
announced in the Content-Type header, but some firmware omits it; it is then taken from the
first delimiter line of the body. Parts are bounded in size; an oversized part is an error.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

from devices.contracts import DeviceUnavailable

_BOUNDARY = re.compile(r'boundary="?([^";,\s]+)"?', re.IGNORECASE)
MAX_PART = 8 * 1024 * 1024
MAX_HEADERS = 16 * 1024


class StreamFormatError(DeviceUnavailable):
    """The event stream is not the multipart body it should be."""


@dataclass(frozen=True, slots=True)
class Part:
    content_type: str
    body: bytes


def boundary_from(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = _BOUNDARY.search(content_type)
    return m.group(1) if m else None


class MultipartReader:
    def __init__(self, chunks: AsyncIterator[bytes], boundary: str | None) -> None:
        self._chunks = chunks
        self._buf = bytearray()
        self._delimiter = b"--" + boundary.encode() if boundary else None
        self._done = False

    async def _fill(self) -> bool:
        try:
            chunk = await self._chunks.__anext__()
        except StopAsyncIteration:
            self._done = True
            return False
        self._buf += chunk
        return True

    async def _find_delimiter(self) -> None:
        """Skip to just after the next delimiter line (detecting the boundary if unknown)."""
        while True:
            if self._delimiter is None:
                m = re.search(rb"(?:^|\r?\n)(--[^\r\n]{1,200})\r?\n", self._buf)
                if m:
                    self._delimiter = m.group(1)
                    del self._buf[: m.end()]
                    return
            else:
                at = self._buf.find(self._delimiter)
                if at >= 0:
                    end = self._buf.find(b"\n", at)
                    if end >= 0:
                        del self._buf[: end + 1]
                        return
            if len(self._buf) > MAX_PART:
                raise StreamFormatError("event stream: no part delimiter within 8 MiB")
            if not await self._fill():
                raise StopAsyncIteration

    async def __anext__(self) -> Part:
        if self._done and not self._buf:
            raise StopAsyncIteration
        await self._find_delimiter()
        while (end := self._buf.find(b"\r\n\r\n")) < 0 and (end := self._buf.find(b"\n\n")) < 0:
            if len(self._buf) > MAX_HEADERS:
                raise StreamFormatError("event stream: part headers longer than 16 KiB")
            if not await self._fill():
                raise StopAsyncIteration
        sep = 4 if self._buf[end : end + 4] == b"\r\n\r\n" else 2
        headers = _headers(bytes(self._buf[:end]))
        del self._buf[: end + sep]
        length = headers.get("content-length")
        if length is not None and length.isdigit():
            size = int(length)
            if size > MAX_PART:
                raise StreamFormatError(f"event stream: part of {size} bytes is larger than 8 MiB")
            while len(self._buf) < size:
                if not await self._fill():
                    raise StreamFormatError("event stream ended inside a part")
            body = bytes(self._buf[:size])
            del self._buf[:size]
        else:
            assert self._delimiter is not None
            while (at := self._buf.find(self._delimiter)) < 0:
                if len(self._buf) > MAX_PART:
                    raise StreamFormatError("event stream: part larger than 8 MiB")
                if not await self._fill():
                    at = len(self._buf)
                    break
            body = bytes(self._buf[:at]).rstrip(b"\r\n")
            del self._buf[:at]
        return Part(headers.get("content-type", ""), body)

    def __aiter__(self) -> MultipartReader:
        return self


def _headers(raw: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in raw.decode("latin-1").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            out[name.strip().lower()] = value.strip()
    return out
