"""The work-log phone page in real headless Chromium against the real app (SQLite; the page is the
subject): a cadre's entry opens pre-filled from the day's check-ins, is saved with a problem and a plan,
a plan item goes into next week; the leader sees who wrote, reads the entry and comments, and the cadre
sees the comment. The township's day comes from the server's (fake) clock, never the browser's.
Screenshots go to test-artifacts/."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.api.test_pages_browser import ARTIFACTS, server
from tests.api.worklog_office import MONDAY, PASSWORD, local, open_office
from tests.browser import launch_chromium, start_playwright
from tests.conftest import FakeClock
from watchd.app import Services
from watchd.domain.worklog import OwnerKind
from watchd.services.auth import Principal
from watchd.services.checkins import NewCheckin

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.integration, pytest.mark.browser]
__all__ = ["server"]
TIMEOUT_MS = 15_000
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'watchd.db'}"


@pytest.fixture
def services(make_services: Callable[..., Services], clock: FakeClock) -> Services:
    """Monday 18:30: 其其格 checked in at 巴音嘎查 this morning and out in the evening."""
    services = open_office(make_services, clock)
    clock.now = local(MONDAY, "18:30")
    for i, hhmm in enumerate(("08:21", "17:58")):
        services.checkins.record(
            NewCheckin(
                key=f"wl:{i}",
                person_id="c001",
                device_id="kiosk-bayan",
                occurred_at=local(MONDAY, hhmm),
                method="terminal",
                liveness="terminal",
            )
        )
    return services


@pytest.fixture
def browser() -> Iterator[Browser]:
    manager = start_playwright()
    chromium = launch_chromium(manager, ["--no-sandbox", "--disable-gpu"])
    try:
        yield chromium
    finally:
        chromium.close()
        manager.stop()


def open_as(browser: Browser, server: str, username: str) -> Page:
    page = browser.new_page(viewport=PHONE, timezone_id="Asia/Shanghai")
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{server}/worklog")
    page.fill("#login-username", username)
    page.fill("#login-password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#app:not([hidden])")
    return page


def test_a_cadre_writes_the_days_log_on_the_phone_and_the_leader_comments(
    services: Services, server: str, browser: Browser
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = open_as(browser, server, "c001")
    page.wait_for_function("document.getElementById('log-done').value.length > 0")
    assert page.input_value("#log-day") == "2026-11-23"
    assert page.input_value("#log-done").splitlines() == [
        "考勤：08:21 在巴音嘎查签到，17:58 在巴音嘎查签退（共打卡2次）",
        "驻村：在巴音嘎查开展工作",
    ]
    assert page.is_visible("#log-prefilled") and "尚未填写" in page.inner_text("#log-state")
    assert page.locator("#site-nav a", has_text="工作日志").count() == 1
    page.screenshot(path=str(ARTIFACTS / "worklog-phone-prefilled.png"), full_page=True)

    page.fill("#log-done", page.input_value("#log-done") + "\n下午召开嘎查两委会议")
    page.fill("#log-problems", "部分牧户冬季饲草不足")
    page.fill("#log-plan", "统计饲草缺口")
    page.click("#log-submit")
    page.wait_for_selector("#notice:has-text('已保存11月23日的工作日志（第1版）')")
    assert "已保存（第1版" in page.inner_text("#log-state")
    entry = services.worklog.entries(Principal(9, "c001", "cadre"), OwnerKind.person, "c001", MONDAY, MONDAY)[
        0
    ]
    assert entry.done.endswith("下午召开嘎查两委会议") and entry.plan == "统计饲草缺口"

    page.click(".a-tab[data-tab=plan]")
    page.fill("#plan-text", "完成饲草缺口统计并上报")
    page.click("#plan-form button[type=submit]")
    page.wait_for_selector("#plan-next li:has-text('完成饲草缺口统计并上报')")
    items = services.worklog.plan_items(
        Principal(9, "c001", "cadre"), OwnerKind.person, "c001", MONDAY + timedelta(days=7)
    )
    assert [i.text for i in items] == ["完成饲草缺口统计并上报"]
    page.screenshot(path=str(ARTIFACTS / "worklog-phone-plan.png"), full_page=True)

    leader = open_as(browser, server, "l001")
    leader.click(".a-tab[data-tab=status]")
    row = leader.locator("#status-body tr", has_text="其其格")
    row.locator("button", has_text="✓").click()
    leader.wait_for_selector("#status-entry-text:has-text('部分牧户冬季饲草不足')")
    assert leader.locator("#status-body tr", has_text="巴特尔").locator("td.is-no").count() == 1
    leader.fill("#comment-text", "饲草问题请报畜牧站")
    leader.click("#comment-submit")
    leader.wait_for_selector("#status-entry-comments li:has-text('饲草问题请报畜牧站')")
    leader.screenshot(path=str(ARTIFACTS / "worklog-phone-leader.png"), full_page=True)

    page.click(".a-tab[data-tab=log]")
    page.wait_for_selector("#log-comment-list li:has-text('乌云：饲草问题请报畜牧站')")
