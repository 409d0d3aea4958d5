"""The reports page and the cadre's visit page in real headless Chromium against the real app.

SQLite only (the pages are the subject). Skips with a reason without /usr/bin/chromium; fails
instead in CI (WATCHD_REQUIRE_INTEGRATION=1). Screenshots go to test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.api.test_pages_browser import ARTIFACTS, server
from tests.browser import launch_chromium, start_playwright
from tests.helpers.clocks import FakeClock
from tests.watchd.attendance.office import ATTENDANCE, PASSWORD, PEOPLE, local
from watchd.app import Services
from watchd.domain.leave import LeaveKind
from watchd.services.auth import Principal
from watchd.services.checkins import NewCheckin

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.integration, pytest.mark.browser]
__all__ = ["server"]  # the app under uvicorn on a free port (shared with the kiosk page tests)

MONDAY = date(2026, 11, 23)
TIMEOUT_MS = 15_000
PAIRINGS = "干部编号,户编号,户主姓名,嘎查（村）\nc001,H001,敖登,巴音嘎查\n".encode()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'watchd.db'}"


@pytest.fixture
def services(make_services: Callable[..., Services], clock: FakeClock) -> Services:
    """Monday settled: 其其格 late in the afternoon at her village, 巴特尔 absent; his leave awaits approval."""
    clock.now = local(MONDAY, "00:00")
    services = make_services(people=PEOPLE, attendance=ATTENDANCE)
    services.visits.import_pairings("p.csv", PAIRINGS)
    clock.now = local(MONDAY, "19:00")
    for i, hhmm in enumerate(("08:20", "12:01", "14:42", "18:02")):
        services.checkins.record(NewCheckin(key=f"page:{i}", person_id="c001", device_id="kiosk-bayan",
                                            occurred_at=local(MONDAY, hhmm), method="terminal", liveness="terminal"))
    services.leave.request_leave(Principal(0, "admin", "admin"), person_id="c002", kind=LeaveKind.personal,
                                 start=local(date(2026, 11, 24), "00:00"), end=local(date(2026, 11, 25), "00:00"),
                                 reason="家中有事")
    clock.now = local(date(2026, 11, 24), "08:00")
    services.attendance.settle()
    services.auth.add_user("office", PASSWORD, "admin")
    services.auth.add_user("c001", PASSWORD, "cadre")
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


def log_in(page: Page, username: str, password: str) -> None:
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#app:not([hidden])")


def test_office_reads_reports_exports_xlsx_and_approves_leave(
    services: Services, server: str, browser: Browser, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{server}/reports")
    log_in(page, "office", PASSWORD)
    page.fill("#daily-date", "2026-11-23")
    page.click("#daily-load")
    page.wait_for_selector("#daily-out td:has-text('其其格')")
    row = page.locator("#daily-out table").first.locator("tr", has_text="其其格")
    assert "迟到" in row.inner_text() and "14:42–18:02" in row.inner_text()
    assert page.locator("#daily-out td.is-bad", has_text="缺勤").count() >= 1  # 巴特尔, highlighted
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "reports-daily.png"), full_page=True)

    with page.expect_download() as download:
        page.click("[data-export=daily][data-format=xlsx]")
    assert download.value.suggested_filename == "考勤日报-2026-11-23.xlsx"

    page.click(".a-tab[data-tab=monthly]")
    page.fill("#monthly-month", "2026-11")
    page.click("#monthly-load")
    page.wait_for_selector("#monthly-out th:has-text('驻村补助（元）')")

    page.click(".a-tab[data-tab=approvals]")
    page.wait_for_selector("#leave-body tr:has-text('巴特尔')")
    page.click("#leave-body tr:has-text('巴特尔') button:has-text('批准')")
    page.wait_for_selector("#notice:has-text('已批准：巴特尔')")
    page.wait_for_function("document.querySelectorAll('#leave-body tr').length === 0")  # the list reloads
    assert services.leave.list_leave(Principal(0, "admin", "admin"))[0].status == "approved"


def test_cadre_records_a_visit_from_the_phone_page(services: Services, server: str, browser: Browser) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844}, timezone_id="Asia/Shanghai")
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{server}/visits")
    log_in(page, "c001", PASSWORD)
    page.wait_for_selector("#pairs-list li:has-text('敖登')")
    assert "本月未走访" in page.inner_text("#pairs-list")
    page.click("#pairs-list li:has-text('敖登') button")
    page.fill("#visit-time", "2026-11-24T07:30")
    page.fill("#visit-note", "了解冬季饲草储备")
    page.click("#visit-submit")
    page.wait_for_selector("#notice:has-text('已登记走访：敖登')")
    page.wait_for_selector("#pairs-list li.is-done")
    page.screenshot(path=str(ARTIFACTS / "visits-phone.png"), full_page=True)
    visits = services.visits.pairings(MONDAY)
    assert [(p.household_name, p.visits) for p in visits] == [("敖登", 1)]
