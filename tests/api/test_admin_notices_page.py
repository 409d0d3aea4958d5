"""The admin page's notices section in real headless Chromium: the administrator sees what to do
for next year's holidays, acknowledges it, and the section says so. SQLite only; skips without
/usr/bin/chromium (fails instead in CI)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import pytest

from tests.api.test_attendance_pages import TIMEOUT_MS, browser, database_url, log_in
from tests.api.test_pages_browser import ARTIFACTS, server
from tests.helpers.clocks import FakeClock
from watchd.app import Services

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.integration, pytest.mark.browser]
__all__ = ["browser", "database_url", "server"]  # fixtures shared with the other page tests
PASSWORD = "office-password-1"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.fromisoformat("2098-12-01T09:00:00+08:00"))  # 2099's holidays are nowhere yet


@pytest.fixture
def services(make_services: Callable[..., Services]) -> Services:
    services = make_services()
    services.attendance.check_calendar()
    services.auth.add_user("office", PASSWORD, "admin")
    services.auth.add_user("l001", PASSWORD, "leader")
    return services


def test_the_administrator_sees_and_acknowledges_notices(services: Services, server: str, browser: Browser) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{server}/admin")
    log_in(page, "office", PASSWORD)
    row = page.locator("#admin-notices-body tr", has_text="2099年节假日安排尚未录入")
    row.wait_for()
    assert "节假日安排未录入" in row.inner_text() and "在 /reports 页“节假日”中粘贴国务院办公厅" in row.inner_text()
    assert page.inner_text("#admin-notices-count") == "（2）"  # 2098 and 2099
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "admin-notices.png"), full_page=True)
    row.locator("button", has_text="知悉").click()
    page.wait_for_selector("#admin-notices-body tr:has-text('2099年') :text('已知悉（office）')")
    assert {n.subject: n.acknowledged_by for n in services.notices.active()} == {"2098": None, "2099": "office"}


def test_other_roles_do_not_see_the_section(services: Services, server: str, browser: Browser) -> None:
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{server}/admin")
    with page.expect_response(lambda r: r.url.endswith("/api/notices")) as answer:
        log_in(page, "l001", PASSWORD)
    assert answer.value.status == 403
    assert page.locator("#admin-notices").is_hidden()
