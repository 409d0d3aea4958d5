"""Playwright and Debian's Chromium for the browser tests, also in a shifted-clock run.

Chromium does not run under libfaketime (its zygote dies), so in a run of .ci/shifted-clock the
Playwright driver and the browser start without it (LD_PRELOAD removed from their environment), and
every page's clock is set to this process's shifted clock with Playwright's clock emulation, from where
it runs on naturally. Outside such a run nothing changes. The tests using this are date_sensitive.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.integration import need

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright

CHROMIUM = Path("/usr/bin/chromium")
PRELOAD = "LD_PRELOAD"


def shifted() -> bool:
    return "FAKETIME" in os.environ


def start_playwright() -> Playwright:
    """The Playwright driver (a Node.js process), started on the real clock."""
    need(CHROMIUM.is_file(), f"{CHROMIUM} not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - dev dependency
        need(False, "the playwright package is not installed")
        raise
    saved = os.environ.pop(PRELOAD, None)
    try:
        return sync_playwright().start()
    finally:
        if saved is not None:
            os.environ[PRELOAD] = saved


def launch_chromium(playwright: Playwright, args: list[str]) -> Browser:
    env: dict[str, str | float | bool] = {k: v for k, v in os.environ.items() if k != PRELOAD}
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args, env=env)
    if shifted():
        _pages_follow_this_clock(browser)
    return browser


def _pages_follow_this_clock(browser: Browser) -> None:
    new_context: Callable[..., BrowserContext] = browser.new_context
    new_page: Callable[..., Page] = browser.new_page

    def context(*args: Any, **kwargs: Any) -> BrowserContext:
        made = new_context(*args, **kwargs)
        made.clock.install(time=datetime.now(UTC))
        return made

    def page(*args: Any, **kwargs: Any) -> Page:
        made = new_page(*args, **kwargs)
        made.context.clock.install(time=datetime.now(UTC))
        return made

    browser.new_context = context  # type: ignore[method-assign]
    browser.new_page = page  # type: ignore[method-assign]
