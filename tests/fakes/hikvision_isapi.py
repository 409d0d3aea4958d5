"""A fake Hikvision access-control terminal: ISAPI over HTTP with digest authentication, on loopback.

Test peer only (clearly fake). It answers deviceInfo and time in XML, AcsEvent searches in the
JSON shape real terminals use (same searchID across pages, searchResultPosition, capped
maxResults, beginSerialNo), and serves /ISAPI/Event/notification/alertStream as a real
multipart/mixed stream: XML heartbeats, JSON AccessControllerEvent parts each followed by a
JPEG part. Digest auth is checked per RFC 2617 (MD5, qop=auth); after `lock_after` wrong
attempts the 401 body says the account is locked. `faults` make it misbehave.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
import secrets
import socket
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

ZONE = ZoneInfo("Asia/Shanghai")
REALM = "DS-K1T671M"
BOUNDARY = "MIME_boundary"
_DIGEST_FIELD = re.compile(r'(\w+)=(?:"([^"]*)"|([^,\s]*))')
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


@dataclass
class IsapiFaults:
    stream_disabled: bool = False  # alertStream answers 404 (firmware without it)
    stream_no_boundary: bool = False  # Content-Type without boundary=
    stream_garbage: bool = False  # one unreadable event part before the real ones
    hang: bool = False  # every request waits forever
    bad_json: bool = False  # AcsEvent answers something that is not JSON
    search_delay_s: float = 0.0  # AcsEvent takes this long to answer (it reads the log at the end)


@dataclass
class FakeIsapiTerminal:
    username: str = "admin"
    password: str = "isapi-secret-1"
    serial: str = "DS-K1T671M20230101V030230ENAB1234567"
    model: str = "DS-K1T671M"
    firmware: str = "V3.2.30"
    max_results: int = 30
    lock_after: int = 5
    heartbeat_s: float = 0.5
    clock_offset: timedelta = timedelta(0)
    faults: IsapiFaults = field(default_factory=IsapiFaults)
    events: list[dict[str, Any]] = field(default_factory=list)
    searches: list[dict[str, Any]] = field(default_factory=list)
    failed_logins: int = 0
    stream_connections: int = 0

    def __post_init__(self) -> None:
        self._nonces: set[str] = set()
        self._streams: list[asyncio.Queue[dict[str, Any] | None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- test control -------------------------------------------------------------------------

    def add_event(
        self, employee: str, at: datetime | str, *, minor: int = 75, major: int = 5, name: str = "",
        attendance: str = "checkIn", verify: str = "face",
    ) -> int:
        """An event happens: it goes into the search log and to every open stream. Returns its serialNo."""
        when = at if isinstance(at, str) else at.isoformat(timespec="seconds")
        with self._lock:
            serial_no = (self.events[-1]["serialNo"] + 1) if self.events else 1
            info = {
                "major": major, "minor": minor, "time": when, "cardType": 1, "name": name, "cardReaderNo": 1,
                "doorNo": 1, "employeeNoString": employee, "type": 0, "serialNo": serial_no, "userType": "normal",
                "currentVerifyMode": verify, "attendanceStatus": attendance, "mask": "unknown",
            }
            self.events.append(info)
            queues = list(self._streams)
        loop = self._loop
        if loop is not None:
            for q in queues:
                loop.call_soon_threadsafe(q.put_nowait, info)
        return serial_no

    def drop_streams(self) -> None:
        """Close every open event stream (a network blip)."""
        loop = self._loop
        with self._lock:
            queues = list(self._streams)
        if loop is not None:
            for q in queues:
                loop.call_soon_threadsafe(q.put_nowait, None)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FakeIsapiTerminal:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        app = Starlette(
            routes=[
                Route("/ISAPI/System/deviceInfo", self._device_info),
                Route("/ISAPI/System/time", self._time),
                Route("/ISAPI/AccessControl/AcsEvent", self._search, methods=["POST"]),
                Route("/ISAPI/Event/notification/alertStream", self._alert_stream),
            ]
        )
        config = uvicorn.Config(
            self._digest(app), log_level="warning", timeout_graceful_shutdown=0.2, lifespan="off"
        )
        self._server = uvicorn.Server(config)
        started = threading.Event()

        def serve() -> None:
            async def main() -> None:
                self._loop = asyncio.get_running_loop()
                started.set()
                assert self._server is not None
                await self._server.serve(sockets=[sock])

            asyncio.run(main())

        self._thread = threading.Thread(target=serve, name="fake-isapi", daemon=True)
        self._thread.start()
        started.wait(5)
        for _ in range(200):
            if self._server.started:
                break
            threading.Event().wait(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._server.force_exit = True
            self.drop_streams()
        if self._thread is not None:
            self._thread.join(5)
        self._loop = None

    def __enter__(self) -> FakeIsapiTerminal:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- digest authentication ----------------------------------------------------------------

    def _digest(self, app: Starlette) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
        async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            if self.faults.hang:
                await asyncio.sleep(3600)
            headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
            verdict = self._check(scope["method"], headers.get("authorization", ""))
            if verdict == "ok":
                await app(scope, receive, send)
                return
            nonce = secrets.token_hex(16)
            self._nonces.add(nonce)
            body = b"<?xml version='1.0'?><userCheck><statusValue>401</statusValue><statusString>Unauthorized</statusString>"
            if verdict == "locked":
                body += b"<lockStatus>locked</lockStatus><unlockTime>1800</unlockTime>"
            body += b"</userCheck>"
            response = Response(
                body, status_code=401, media_type="application/xml",
                headers={"WWW-Authenticate": f'Digest realm="{REALM}", qop="auth", nonce="{nonce}", algorithm=MD5'},
            )
            await response(scope, receive, send)

        return wrapped

    def _check(self, method: str, header: str) -> str:
        if not header.startswith("Digest "):
            return "challenge"
        f = {m.group(1): m.group(2) if m.group(2) is not None else m.group(3) for m in _DIGEST_FIELD.finditer(header)}
        if f.get("nonce") not in self._nonces:
            return "challenge"
        ha1 = _md5(f"{self.username}:{REALM}:{self.password}")
        ha2 = _md5(f"{method}:{f.get('uri', '')}")
        expected = _md5(f"{ha1}:{f['nonce']}:{f.get('nc', '')}:{f.get('cnonce', '')}:{f.get('qop', '')}:{ha2}")
        if self.failed_logins >= self.lock_after:
            return "locked"
        if f.get("username") == self.username and f.get("response") == expected:
            return "ok"
        self.failed_logins += 1
        return "locked" if self.failed_logins >= self.lock_after else "wrong"

    # -- endpoints ----------------------------------------------------------------------------

    async def _device_info(self, request: Request) -> Response:
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<DeviceInfo version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">'
            f"<deviceName>Access Controller</deviceName><deviceID>{self.serial[-9:]}</deviceID>"
            f"<model>{self.model}</model><serialNumber>{self.serial}</serialNumber>"
            f"<macAddress>e0:ca:3c:00:00:01</macAddress><firmwareVersion>{self.firmware}</firmwareVersion>"
            "<firmwareReleasedDate>build 230101</firmwareReleasedDate><deviceType>ACS</deviceType></DeviceInfo>"
        )
        return Response(xml, media_type="application/xml")

    async def _time(self, request: Request) -> Response:
        now = (datetime.now(ZONE) + self.clock_offset).isoformat(timespec="seconds")
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?><Time version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">'
            f"<timeMode>NTP</timeMode><localTime>{now}</localTime><timeZone>CST-8:00:00</timeZone></Time>"
        )
        return Response(xml, media_type="application/xml")

    async def _search(self, request: Request) -> Response:
        if self.faults.bad_json:
            return Response("<html>busy</html>", media_type="text/html")
        cond = (await request.json())["AcsEventCond"]
        self.searches.append(cond)
        if self.faults.search_delay_s:
            await asyncio.sleep(self.faults.search_delay_s)
        with self._lock:
            events = list(self.events)
        major, minor = int(cond.get("major", 0)), int(cond.get("minor", 0))
        begin = cond.get("beginSerialNo")
        start, end = cond.get("startTime"), cond.get("endTime")
        matches = [
            e for e in events
            if (not major or e["major"] == major) and (not minor or e["minor"] == minor)
            and (begin is None or e["serialNo"] >= int(begin))
            and (start is None or datetime.fromisoformat(e["time"]) >= datetime.fromisoformat(start))
            and (end is None or datetime.fromisoformat(e["time"]) <= datetime.fromisoformat(end))
        ]
        position = int(cond.get("searchResultPosition", 0))
        size = min(int(cond.get("maxResults", 30)), self.max_results)
        page = matches[position : position + size]
        status = "NO MATCH" if not matches else ("MORE" if position + len(page) < len(matches) else "OK")
        return JSONResponse(
            {"AcsEvent": {
                "searchID": cond.get("searchID", ""), "totalMatches": len(matches), "responseStatusStrg": status,
                "numOfMatches": len(page), "InfoList": page,
            }}
        )

    async def _alert_stream(self, request: Request) -> Response:
        if self.faults.stream_disabled:
            return Response("<ResponseStatus><statusCode>4</statusCode></ResponseStatus>", status_code=404)
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        with self._lock:
            self._streams.append(queue)
        self.stream_connections += 1

        async def parts() -> AsyncIterator[bytes]:
            try:
                yield _part("application/xml", _heartbeat(), length=False)
                if self.faults.stream_garbage:
                    yield _part("application/json", b"{not json")
                while True:
                    try:
                        item = await asyncio.wait_for(queue.get(), self.heartbeat_s)
                    except TimeoutError:
                        yield _part("application/xml", _heartbeat(), length=False)
                        continue
                    if item is None:
                        return
                    yield _part('application/json; charset="UTF-8"', _stream_event(item))
                    yield _part("image/jpeg", b"\xff\xd8\xff\xe0fake-jpeg\xff\xd9")
            finally:
                with self._lock, contextlib.suppress(ValueError):
                    self._streams.remove(queue)

        content_type = "multipart/mixed" if self.faults.stream_no_boundary else f"multipart/mixed; boundary={BOUNDARY}"
        return StreamingResponse(parts(), media_type=content_type)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def _part(content_type: str, body: bytes, *, length: bool = True) -> bytes:
    head = f"--{BOUNDARY}\r\nContent-Type: {content_type}\r\n"
    if length:
        head += f"Content-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body + b"\r\n"


def _heartbeat() -> bytes:
    now = datetime.now(ZONE).isoformat(timespec="seconds")
    return (
        '<?xml version="1.0" encoding="UTF-8"?><EventNotificationAlert version="2.0" '
        'xmlns="http://www.isapi.org/ver20/XMLSchema"><ipAddress>127.0.0.1</ipAddress>'
        f"<dateTime>{now}</dateTime><activePostCount>0</activePostCount><eventType>videoloss</eventType>"
        "<eventState>inactive</eventState><eventDescription>videoloss alarm</eventDescription></EventNotificationAlert>"
    ).encode()


def _stream_event(info: dict[str, Any]) -> bytes:
    doc = {
        "ipAddress": "127.0.0.1", "portNo": 80, "protocol": "HTTP", "macAddress": "e0:ca:3c:00:00:01", "channelID": 1,
        "dateTime": info["time"], "activePostCount": 1, "eventType": "AccessControllerEvent", "eventState": "active",
        "eventDescription": "Access Controller Event",
        "AccessControllerEvent": {
            "deviceName": "Access Controller", "majorEventType": info["major"], "subEventType": info["minor"],
            "name": info["name"], "cardReaderNo": 1, "doorNo": 1, "verifyNo": 136,
            "employeeNoString": info["employeeNoString"], "serialNo": info["serialNo"],
            "frontSerialNo": info["serialNo"] - 1, "userType": "normal",
            "currentVerifyMode": info["currentVerifyMode"], "attendanceStatus": info["attendanceStatus"],
            "mask": "unknown", "picturesNumber": 1, "purePwdVerifyEnable": True,
            "FaceRect": {"height": 0.304, "width": 0.171, "x": 0.369, "y": 0.68},
        },
    }
    return json.dumps(doc, ensure_ascii=False).encode()
