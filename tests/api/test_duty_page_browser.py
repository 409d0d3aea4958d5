"""The duty page (排班, 导入, 换班, 值班日志) in real headless Chromium against the app under uvicorn:
an administrator edits a day and sees a bad 值班表 refused row by row, a leader approves a swap,
an officer writes in the duty log. Screenshots go to test-artifacts/."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.api.duty_live import TIMEOUT_MS, LiveServer, duty_services_today, shot
from tests.helpers.clocks import FakeClock, WallClock
from tests.watchd.duty.conftest import officer
from watchd.app import Services
from watchd.domain.duty import DutyRole

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.date_sensitive]


@pytest.fixture
def clock() -> FakeClock:
    return WallClock()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'watchd.db'}"


@pytest.fixture
def services(make_services: Callable[..., Services]) -> Services:
    return duty_services_today(make_services)


def open_page(browser: Browser, url: str, username: str, password: str) -> Page:
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{url}/duty")
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.click("#login-submit")
    page.wait_for_selector("#tab-roster:not([hidden]) #roster-body tr")
    return page


def show_month(page: Page, day: date) -> None:
    if page.input_value("#roster-month") != f"{day:%Y-%m}":
        page.fill("#roster-month", f"{day:%Y-%m}")
        page.dispatch_event("#roster-month", "change")
    page.wait_for_selector(f"#roster-body tr[data-day='{day.isoformat()}']")


def test_roster_import_swap_and_log_on_the_duty_page(
    services: Services, live: LiveServer, browser: Browser, tmp_path: Path
) -> None:
    password = services.auth.ensure_first_admin()
    assert password is not None
    zone = services.config.settings.zone
    today = services.duty.shifts.day_of(datetime.now(UTC))
    page = open_page(browser, live.url, "admin", password)
    show_month(page, today)
    row = page.wait_for_selector(f"#roster-body tr[data-day='{today.isoformat()}']")
    assert row is not None and "张三" in row.inner_text()

    later = today + timedelta(days=5)
    show_month(page, later)
    page.click(f"#roster-body tr[data-day='{later.isoformat()}'] button")
    page.fill(f"#roster-body tr[data-day='{later.isoformat()}'] td:nth-child(2) input", "王五")
    page.fill(f"#roster-body tr[data-day='{later.isoformat()}'] td:nth-child(3) input", "l002")
    page.click(f"#roster-body tr[data-day='{later.isoformat()}'] button.a-btn:not(.is-secondary)")
    page.wait_for_selector("#notice.is-ok")
    [shift] = services.duty.roster(later, later, "duty")
    assert ([p.name for p in shift.officers], [p.name for p in shift.leaders]) == (["王五"], ["其木格"])
    shot(page, "duty-roster.png")

    bad = tmp_path / "值班表.csv"
    bad.write_text(f"日期,值班室,值班人员,带班领导\n{later + timedelta(days=1)},duty,张三,乌云\n十二月,duty,李四,乌云\n",
                   encoding="utf-8")
    page.click("button[data-tab='import']")
    page.set_input_files("#import-file", str(bad))
    page.click("#import-run")
    page.wait_for_selector("#import-errors:not([hidden])")
    assert "第 3 行" in page.inner_text("#import-errors-body") and "日期无法识别" in page.inner_text("#import-errors-body")
    assert "未导入任何数据" in page.inner_text("#import-result")
    shot(page, "duty-import-errors.png")

    # An officer asked for a swap (through the API); a leader approves it on the page.
    swap = services.duty.request_swap(
        officer("d003"), room_id="duty", day=later, role=DutyRole.officer, from_person="d003", to_person="d004",
    )
    services.auth.add_user("l001", "long-password-l001", "leader")
    leader_page = open_page(browser, live.url, "l001", "long-password-l001")
    leader_page.click("button[data-tab='swaps']")
    leader_page.click(f"tr[data-swap='{swap.id}'] button.a-btn:not(.is-danger):not(.is-secondary)")
    leader_page.wait_for_function(f"document.querySelector(\"tr[data-swap='{swap.id}']\").innerText.includes('已批准')")
    assert services.duty.swaps(statuses=["approved"])[0].id == swap.id
    shot(leader_page, "duty-swaps.png")

    services.auth.add_user("d001", "long-password-d001", "duty_officer")
    officer_page = open_page(browser, live.url, "d001", "long-password-d001")
    officer_page.click("button[data-tab='log']")
    officer_page.wait_for_selector("#log-report:not(:empty)")
    officer_page.fill("#note-text", "交接班：监控设备运行正常")
    officer_page.click("#note-form button")
    officer_page.wait_for_function("document.getElementById('log-notes').innerText.includes('监控设备运行正常')")
    officer_page.wait_for_function("document.getElementById('log-report').textContent.includes('张三：交接班')")
    assert f"日期：{today:%Y-%m-%d}" in officer_page.inner_text("#log-report")
    assert datetime.now(zone).date() >= today
    shot(officer_page, "duty-log.png")



def test_choosing_a_month_loads_it_once_and_a_row_being_edited_stays_open(
    services: Services, live: LiveServer, browser: Browser
) -> None:
    """The month picker can fire change twice for one choice (typing, then leaving the field): the page
    loads the month once, so the row the administrator opened for editing is not replaced under them."""
    password = services.auth.ensure_first_admin()
    assert password is not None
    page = open_page(browser, live.url, "admin", password)
    year, shown = (int(v) for v in page.input_value("#roster-month").split("-"))  # the browser's month
    month = date(year + (shown + 1) // 12, (shown + 1) % 12 + 1, 1)  # two months on from it
    loads: list[str] = []
    page.on("request", lambda r: loads.append(r.url) if "/api/duty/roster?" in r.url else None)
    page.fill("#roster-month", f"{month:%Y-%m}")
    page.dispatch_event("#roster-month", "change")
    page.click(f"#roster-body tr[data-day='{month.isoformat()}'] button")
    page.wait_for_timeout(1000)
    assert page.is_visible(f"#roster-body tr[data-day='{month.isoformat()}'] td:nth-child(2) input")
    assert len(loads) == 1, loads
