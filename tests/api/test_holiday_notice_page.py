"""The reports page's holiday tab in real headless Chromium: the administrator pastes the State
Council's notice, checks the preview table, confirms, and the calendar lists the saved days.
SQLite only; skips without /usr/bin/chromium (fails instead in CI)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest

from tests.api.test_attendance_pages import TIMEOUT_MS, browser, database_url, log_in, services
from tests.api.test_holiday_notice import NOTICE_2038
from tests.api.test_pages_browser import ARTIFACTS, server
from tests.watchd.attendance.office import PASSWORD
from watchd.app import Services

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.integration, pytest.mark.browser]
__all__ = ["browser", "database_url", "server", "services"]  # fixtures shared with the other page tests
NOTICE_DAY = date(2038, 2, 5)


def test_paste_the_notice_check_the_preview_and_confirm(services: Services, server: str, browser: Browser) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{server}/reports")
    log_in(page, "office", PASSWORD)
    page.click(".a-tab[data-tab=calendar]")

    page.fill("#hn-text", NOTICE_2038.replace("共9天", "共8天"))  # a typo: nothing is proposed
    page.click("#hn-form button[type=submit]")
    page.wait_for_selector("#hn-error:has-text('春节：通知写共8天，但2月5日至2月13日是9天')")
    assert page.locator("#hn-preview").is_hidden()

    page.fill("#hn-text", NOTICE_2038)
    page.click("#hn-form button[type=submit]")
    page.wait_for_selector("#hn-preview:not([hidden])")
    assert "2038 年：元旦、春节、清明节、劳动节、端午节、中秋节、国庆节，共 27 天放假、6 天调休上班" in page.inner_text("#hn-summary")
    row = page.locator("#hn-body tr", has_text="2038-02-20")
    assert row.inner_text().split("\t") == ["2038-02-20", "周六", "调休上班", "春节", "休息日"]
    assert "is-change" in (row.get_attribute("class") or "")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "reports-holiday-notice.png"), full_page=True)
    assert services.attendance.calendar().day(NOTICE_DAY).source.value == "fallback"  # not saved yet

    page.click("#hn-confirm")
    page.wait_for_selector("#notice:has-text('已保存国务院通知的 33 天安排')")
    page.wait_for_selector("#cal-body tr:has-text('2038-02-20')")
    assert "手工录入" in page.locator("#cal-body tr", has_text="2038-02-20").inner_text()
    assert page.locator("#hn-preview").is_hidden()
    assert services.attendance.calendar().day(NOTICE_DAY).name == "春节"
