"""The pages fit together (issue 12, item 8), in real headless Chromium at an office PC's 1366x768.

One login per browser across /admin, /reports, /duty, /dashboard and /visits; one navigation that
offers what the role may open; report tables whose numbers sit under their own headers, readable at
1366 px and printable; empty states that name the next step; /docs without the internet.
SQLite only; the office of tests/api/test_attendance_pages.py (Monday 2026-11-23 settled).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from tests.api.test_attendance_pages import PASSWORD, browser, database_url, log_in, services
from tests.api.test_pages_browser import ARTIFACTS, server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Route

    from watchd.app import Services

pytestmark = [pytest.mark.integration, pytest.mark.browser]
__all__ = ["browser", "database_url", "server", "services"]  # fixtures shared with the other page tests

TIMEOUT_MS = 15_000
EVERY_PAGE = ["签到管理", "考勤报表", "值班管理", "值班大屏", "走访登记", "工作日志", "考核评议", "整改台账"]

#: Numbers whose text does not overlap their header's text horizontally: "under the next header".
MISPLACED_NUMBERS = """(table) => {
  const box = (node) => { const r = document.createRange(); r.selectNodeContents(node); return r.getBoundingClientRect(); };
  const heads = table.querySelectorAll('thead th');
  const bad = [];
  table.querySelectorAll('tbody td.is-num').forEach((td) => {
    const a = box(td), b = box(heads[td.cellIndex]);
    if (a.right < b.left || a.left > b.right) { bad.push(heads[td.cellIndex].textContent + ': ' + td.textContent); }
  });
  return bad;
}"""


def office_pc(browser: Browser) -> BrowserContext:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, timezone_id="Asia/Shanghai")
    context.set_default_timeout(TIMEOUT_MS)
    return context


def nav(page: Page) -> list[str]:
    page.wait_for_selector("#site-nav a")
    return [a.inner_text() for a in page.query_selector_all("#site-nav a")]


def test_one_login_opens_every_page_and_one_logout_closes_them(services: object, server: str, browser: Browser) -> None:
    context = office_pc(browser)
    reports = context.new_page()
    reports.goto(f"{server}/reports")
    log_in(reports, "office", PASSWORD)
    assert nav(reports) == EVERY_PAGE
    assert reports.inner_text("#site-nav a[aria-current=page]") == "考勤报表"

    screen = context.new_page()  # another tab of the same browser: no second login
    screen.goto(f"{server}/dashboard")
    screen.wait_for_selector("#app:not([hidden])")
    assert screen.is_hidden("#login")
    assert nav(screen) == EVERY_PAGE
    screen.wait_for_function("document.getElementById('conn').textContent === '实时'")

    duty = context.new_page()
    duty.goto(f"{server}/duty")
    duty.wait_for_selector("#roster-empty:not([hidden])")  # nobody is on the roster yet
    assert "请导入办公室的值班表" in duty.inner_text("#roster-empty")
    duty.click("#roster-empty button:has-text('导入值班表')")
    duty.wait_for_selector("#tab-import:not([hidden])")
    duty.screenshot(path=str(ARTIFACTS / "duty-empty-roster.png"))

    duty.click("#logout")  # one logout: every tab of this browser asks for a login again
    screen.wait_for_selector("#login:not([hidden])")
    reports.wait_for_selector("#login:not([hidden])")
    context.close()


def test_a_cadre_is_greeted_by_name_and_offered_only_their_pages(services: object, server: str, browser: Browser) -> None:
    context = office_pc(browser)
    page = context.new_page()
    page.goto(f"{server}/visits")
    log_in(page, "c001", PASSWORD)
    assert nav(page) == ["值班管理", "走访登记", "工作日志", "考核评议", "整改台账"]
    page.click("#site-nav a:has-text('值班管理')")  # the roster and swaps, no import, no duty log
    page.wait_for_selector("#roster-empty:has-text('请联系管理员')")
    assert page.is_hidden(".a-tab[data-tab=import]") and page.is_hidden(".a-tab[data-tab=log]")
    page.click("#site-nav a:has-text('走访登记')")
    page.wait_for_selector("#username:has-text('（干部）')")  # filled once the page has asked who is logged in
    assert page.inner_text("#username") == "其其格（干部）"  # the name, not the id c001
    page.wait_for_selector("#pairs-list li:has-text('敖登')")
    page.click(".a-tab[data-tab=makeup]")  # nothing filed yet: the list says how to file one
    page.wait_for_selector("#makeup-list li:has-text('还没有补卡申请')")
    page.click("#logout")

    log_in(page, "office", PASSWORD)  # an office login has no households: the page says who it is for
    page.click(".a-tab[data-tab=pairs]")
    page.wait_for_selector("#pairs-summary.a-notice")
    text = page.inner_text("#pairs-summary")
    assert "请用干部的账号登录" in text and "导入结对" in text, text
    context.close()


def test_a_leader_on_the_admin_page_sees_only_what_a_leader_may_do(
    services: Services, server: str, browser: Browser
) -> None:
    services.auth.add_user("l001", PASSWORD, "leader")
    context = office_pc(browser)
    page = context.new_page()
    page.goto(f"{server}/admin")
    log_in(page, "l001", PASSWORD)
    assert nav(page) == EVERY_PAGE
    assert page.inner_text("#username") == "乌云（领导）"
    assert page.is_hidden(".a-tab[data-tab=devices]")  # kiosk links are the administrator's
    page.click(".a-tab[data-tab=people]")
    page.wait_for_selector("#people-body tr:has-text('其其格')")
    assert page.is_hidden("#person-add")
    assert page.locator("#people-body button").count() == 0  # enrolling and deleting are the administrator's

    page.goto(f"{server}/reports")  # the same login; reading and deciding, not settling or importing
    page.wait_for_selector("#daily-out table")
    assert page.is_hidden("#settle") and page.is_hidden(".a-tab[data-tab=import]")
    page.click(".a-tab[data-tab=calendar]")
    assert page.is_hidden("#override-form")
    context.close()


def test_report_numbers_sit_under_their_headers_fit_1366_px_and_print(
    services: object, server: str, browser: Browser
) -> None:
    context = office_pc(browser)
    page = context.new_page()
    page.goto(f"{server}/reports")
    log_in(page, "office", PASSWORD)
    page.fill("#daily-date", "2026-11-23")
    page.click("#daily-load")
    page.wait_for_selector("#daily-out td:has-text('其其格')")
    tables = page.query_selector_all("#daily-out table")
    assert len(tables) == 3
    for table in tables:
        assert table.evaluate(MISPLACED_NUMBERS) == []
    page.screenshot(path=str(ARTIFACTS / "reports-daily-1366.png"), full_page=True)

    page.click(".a-tab[data-tab=monthly]")
    page.fill("#monthly-month", "2026-11")
    page.click("#monthly-load")
    page.wait_for_selector("#monthly-out td:has-text('其其格')")
    table = page.query_selector("#monthly-out table")
    assert table is not None
    assert table.evaluate(MISPLACED_NUMBERS) == []
    lines = table.evaluate("""(t) => Array.from(t.querySelectorAll('tbody tr')).map((tr) => {
      const r = document.createRange(); r.selectNodeContents(tr.cells[3]); return r.getClientRects().length; })""")
    assert lines and set(lines) == {1}, lines  # each name on one line, not one character per line
    assert page.evaluate("(() => { const s = document.querySelector('#monthly-out .r-scroll');"
                         " return s.scrollWidth <= s.clientWidth; })()"), "the monthly table is wider than 1366 px"
    page.screenshot(path=str(ARTIFACTS / "reports-monthly-1366.png"), full_page=True)

    page.emulate_media(media="print")
    assert page.is_hidden(".a-top") and page.is_hidden(".a-tabs") and page.is_hidden(".a-toolbar")
    assert page.is_visible("#monthly-out table")
    page.emulate_media(media="screen")

    page.fill("#monthly-month", "2027-01")  # not begun: the page says so instead of a bare "no data"
    page.click("#monthly-load")
    page.wait_for_selector("#monthly-out .r-empty:has-text('尚未开始')")
    context.close()


def test_docs_render_every_operation_with_the_internet_blocked(server: str, browser: Browser) -> None:
    context = office_pc(browser)
    outside: list[str] = []

    def only_here(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_here)
    page = context.new_page()
    page.goto(f"{server}/docs")
    page.wait_for_selector(".swagger-ui .opblock")
    assert page.locator(".swagger-ui .opblock").count() > 50
    assert outside == []
    context.close()
