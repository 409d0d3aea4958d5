"""Two office pages in real headless Chromium: a leader rates the round's cadres by login on
/appraisal (我的评议), and a leader opens a rectification item on /rectification and signs it off
(销号). SQLite only; skips without /usr/bin/chromium (fails instead in CI). The app's clock is the
test's (FakeClock); the browser's clock plays no part."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from tests.api.appraisal_township import PASSWORD, PEOPLE
from tests.api.test_attendance_pages import TIMEOUT_MS, browser, database_url, log_in
from tests.api.test_pages_browser import ARTIFACTS, server
from tests.conftest import FakeClock
from watchd.app import Services
from watchd.services.appraisal import NewRound
from watchd.services.auth import Principal

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.integration, pytest.mark.browser]
__all__ = ["browser", "database_url", "server"]


@pytest.fixture
def services(make_services: Callable[..., Services], clock: FakeClock) -> Services:
    services = make_services(people=PEOPLE)
    services.auth.add_user("office", PASSWORD, "admin")
    services.auth.add_user("l001", PASSWORD, "leader")
    now = clock.now
    services.appraisal.create_round(
        Principal(0, "office", "admin"),
        NewRound(
            name="2026年第四季度",
            period_start=now.date().replace(day=1),
            period_end=now.date(),
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=7),
        ),
    )
    return services


def test_a_leader_rates_the_cadres_by_login(services: Services, server: str, browser: Browser) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{server}/appraisal")
    log_in(page, "l001", PASSWORD)
    page.click(".a-tab[data-tab=mine]")
    form = page.locator("#mine-list form")
    form.locator("h2:has-text('2026年第四季度')").wait_for()
    names = [t.strip() for t in form.locator(".ap-cadre span").all_inner_texts()]
    assert names == ["其其格", "巴特尔", "萨仁", "额尔敦", "阿拉坦", "外单位"]  # every cadre of the round
    form.locator("select[data-cadre=c001]").select_option(label="优秀")
    form.locator("select[data-cadre=c003]").select_option(label="称职")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "appraisal-mine.png"), full_page=True)
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#notice:has-text('评议已提交')")
    page.wait_for_selector("#mine-list:has-text('目前没有需要您参加的评议。')")
    rnd = services.appraisal.rounds()[0]
    assert services.appraisal.round(rnd.id).ballots["leadership"] == 1  # stored or waiting in the pool


def test_a_leader_opens_a_rectification_item_and_signs_it_off(
    services: Services, server: str, browser: Browser
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{server}/rectification")
    log_in(page, "l001", PASSWORD)
    page.select_option("#item-kind", "attendance")
    page.fill("#item-ref", "c001 2026-11-23 缺勤")
    page.fill("#item-owner", "c001")
    page.fill("#item-deadline", "2026-11-30")
    page.fill("#item-problem", "11月23日无故缺勤")
    page.fill("#item-measure", "说明情况，补交工作日志")
    page.click("#item-form button[type=submit]")
    row = page.locator("#items tr", has_text="11月23日无故缺勤")
    row.wait_for()
    assert "整改中" in row.inner_text() and "其其格" in row.inner_text()
    row.locator("button:has-text('销号')").click()
    page.wait_for_selector("#close-form:not([hidden])")
    page.fill("#close-note", "已说明情况并补交")
    page.click("#close-form button[type=submit]")
    page.wait_for_selector("#items tr:has-text('已销号（已说明情况并补交）')")
    assert page.locator("#close-form").is_hidden()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "rectification-closed.png"), full_page=True)
