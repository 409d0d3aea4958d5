"""The real app under uvicorn on a loopback port, in a background thread, for tests that need a
real HTTP server (browsers, the kiosk's uploads, a link that drops): `LiveServer(services)`.
It can be stopped and started again on the same port, as a restarted daemon is."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from api.app import create_app
from tests.helpers.waits import wait_for
from watchd.app import Services


class LiveServer:
    """`start()` serves a fresh app on `url`; `stop()` ends it (open streams get a second to finish)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None

    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        config = uvicorn.Config(
            create_app(self.services), log_level="warning", access_log=False, lifespan="on",
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        wait_for(lambda: server.started or not thread.is_alive(), 15, "uvicorn to start")
        assert thread.is_alive(), "uvicorn stopped while starting"
        self._server, self._thread, self._sock = server, thread, sock

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=15)
            assert not self._thread.is_alive(), "uvicorn did not stop"
        if self._sock is not None:
            self._sock.close()
        self._server = self._thread = self._sock = None


@contextmanager
def served(services: Services) -> Iterator[str]:
    """The app served while the block runs; yields its base URL."""
    server = LiveServer(services)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
