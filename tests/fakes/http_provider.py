"""A real HTTP server on loopback, in a thread, for fake providers (SMS APIs, chat robots).

A fake subclasses `FakeProvider` and answers each request in `respond` the way the real provider
does. Tests can queue faults for the next requests with `fail_next`:
- "http500": answer 500 with the provider's own error body (`server_error`), nothing processed;
- "hang": never answer (the client times out), nothing processed;
- "hang_after_accept": process the request (the message is "sent"), then never answer;
- "reset_after_accept": process it, then drop the connection without an answer.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

FAULTS = ("http500", "hang", "hang_after_accept", "reset_after_accept")
HANG_LIMIT_S = 10.0


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    raw_query: str = ""  # the query string exactly as sent (signatures cover it)

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class FakeProvider:
    """Subclasses implement `respond(request) -> Reply` and `server_error() -> Reply`."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._faults: deque[str] = deque()
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name=type(self).__name__, daemon=True)

    # lifecycle ----------------------------------------------------------------------------------
    def __enter__(self) -> FakeProvider:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    # test controls -----------------------------------------------------------------------------
    def fail_next(self, *faults: str) -> None:
        for fault in faults:
            assert fault in FAULTS, fault
        with self._lock:
            self._faults.extend(faults)

    # to implement -------------------------------------------------------------------------------
    def respond(self, request: RecordedRequest) -> Reply:
        raise NotImplementedError

    def server_error(self) -> Reply:
        return Reply(500, {"error": "internal"})

    # plumbing -----------------------------------------------------------------------------------
    def _next_fault(self) -> str | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        parts = urlsplit(handler.path)
        request = RecordedRequest(
            method=handler.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=body,
            raw_query=parts.query,
        )
        with self._lock:
            self.requests.append(request)
        fault = self._next_fault()
        if fault == "hang":
            self._release.wait(HANG_LIMIT_S)
            handler.close_connection = True
            return
        reply = self.server_error() if fault == "http500" else self.respond(request)
        if fault == "hang_after_accept":
            self._release.wait(HANG_LIMIT_S)
            handler.close_connection = True
            return
        if fault == "reset_after_accept":
            handler.close_connection = True
            return
        payload = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body, ensure_ascii=False).encode()
        handler.send_response(reply.status)
        handler.send_header("Content-Type", reply.headers.pop("Content-Type", "application/json;charset=utf-8"))
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)


def _handler_for(provider: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            provider._handle(self)

        def do_POST(self) -> None:
            provider._handle(self)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler
