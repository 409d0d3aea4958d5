"""A live app for the duty browser tests: uvicorn on loopback that can be stopped and started on the
same port, a TCP relay that can cut the link, headless Chromium, and screenshots in test-artifacts/.
The tests using it are date_sensitive: the pages count with the browser's (real) clock."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tests.browser import launch_chromium, start_playwright
from tests.helpers.live_server import LiveServer as LiveServer  # the duty and dashboard tests' server
from tests.watchd.duty.conftest import admin, duty_config
from watchd.app import Services

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 20_000


def duty_services_today(make_services: Callable[..., Services]) -> Services:
    """The duty township with 张三 and 乌云 on today's shift in 苏木值班室."""
    services = make_services(**duty_config())
    today = services.duty.shifts.day_of(datetime.now(UTC))
    services.duty.set_day(admin(), "duty", today, officers=["d001"], leaders=["l001"])
    return services


class BlinkingProxy:
    """A TCP relay on loopback in front of the server whose connections the test can cut, as a
    flaky village link or a restarted router does: open connections die, new ones are refused
    until the link is back."""

    def __init__(self, target_port: int) -> None:
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.down = threading.Event()
        self.closed = threading.Event()
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """The link goes down: every open connection breaks, new ones fail."""
        self.down.set()
        with self._lock:
            dying, self._open = self._open, []
        for sock in dying:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def restore(self) -> None:
        self.down.clear()

    def close(self) -> None:
        self.closed.set()
        self.cut()
        self.listener.close()


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Chromium (Debian's), or a skip (a failure in CI) when it is not installed."""
    manager: Playwright = start_playwright()
    try:
        browser = launch_chromium(
            manager, ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        yield browser
        browser.close()
    finally:
        manager.stop()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))
