"""Fixtures the browser tests of the duty pages share: the app under uvicorn and headless Chromium.

`live` serves the module's `services` fixture on a loopback port; `browser` is Chromium (the test
skips with a reason without it, see tests/api/duty_live.py). A module defines its own to differ.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.api.duty_live import LiveServer, chromium
from watchd.app import Services

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@pytest.fixture
def live(services: Services) -> Iterator[LiveServer]:
    server = LiveServer(services)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b
