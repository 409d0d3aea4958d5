"""The spot check (查岗) dialog on the duty-room screen in real headless Chromium against the real app
under uvicorn (SQLite): the leader on duty starts a check, the screen's duty login gets a dialog with
the code and a running countdown, a wrong code is refused in Chinese, the right one answers it and the
duty log has the answer. Screenshots go to test-artifacts/. Skips with a reason without Chromium;
fails instead in CI (WATCHD_REQUIRE_INTEGRATION=1).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.api.duty_live import TIMEOUT_MS, LiveServer, shot
from tests.helpers.clocks import FakeClock, WallClock
from tests.watchd.duty.conftest import admin, duty_config, leader, officer
from watchd.app import Services
from watchd.domain.spot_checks import Channel

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.date_sensitive]
SCREEN_PASSWORD = "duty-screen-pass-1"


@pytest.fixture
def clock() -> FakeClock:
    return WallClock()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'watchd.db'}"


@pytest.fixture
def services(make_services: Callable[..., Services], clock: FakeClock) -> Services:
    services = make_services(**duty_config(spot_checks={"screen_logins": ["duty-screen"]}))
    today = services.duty.shifts.day_of(clock())
    services.duty.set_day(admin(), "duty", today, officers=["d001"], leaders=["l001"])
    services.auth.add_user("duty-screen", SCREEN_PASSWORD, "duty_officer")
    return services


def open_screen(browser: Browser, url: str) -> Page:
    page = browser.new_page(viewport={"width": 1600, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{url}/dashboard")
    page.fill("#login-username", "duty-screen")
    page.fill("#login-password", SCREEN_PASSWORD)
    page.click("#login-submit")
    page.wait_for_function("document.getElementById('conn').textContent === '实时'")
    return page


def test_the_screen_shows_a_countdown_and_the_officer_answers_it(
    services: Services, live: LiveServer, browser: Browser
) -> None:
    page = open_screen(browser, live.url)
    assert page.is_hidden("#spot-check") or page.locator("#spot-check").count() == 0  # nothing open yet
    started = services.spot_checks.start(leader("l001"), "duty", Channel.screen)
    page.wait_for_selector("#spot-check:not([hidden])")
    [check] = services.spot_checks.open_for_screen(officer("duty-screen"))
    assert check.id == started.id
    assert page.text_content("#spot-check-code") == check.code
    first = page.text_content("#spot-check-countdown") or ""
    assert re.fullmatch(r"剩余 [45]:\d\d", first), first
    page.wait_for_function(
        "t => document.getElementById('spot-check-countdown').textContent !== t", arg=first, timeout=3000
    )
    shot(page, "spot-check-dialog.png")
    page.fill("#spot-check-input", "0000" if check.code != "0000" else "1111")
    page.click("#spot-check-submit")
    page.wait_for_selector("#spot-check-error:not([hidden])")
    assert page.text_content("#spot-check-error") == "查岗码不正确"
    page.fill("#spot-check-input", check.code)
    page.click("#spot-check-submit")
    page.wait_for_function("document.getElementById('spot-check-countdown').textContent.startsWith('已应答')")
    shot(page, "spot-check-answered.png")
    page.wait_for_selector("#spot-check", state="hidden", timeout=6000)
    [done] = services.spot_checks.of_shift("duty", services.duty.shifts.day_of(services.clock()))
    assert (done.status, done.answered_by) == ("answered", "duty-screen")
