"""The villagers' vote page in real headless Chromium: a household opens the link from its slip (the
code in the fragment), rates the cadres of its village and submits; the same link again is refused
in Chinese. The office prints the slips from /appraisal. SQLite only; skips without /usr/bin/chromium
(fails instead in CI). The app's clock is the test's (FakeClock); the browser's clock plays no part."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from tests.api.appraisal_township import PASSWORD, PEOPLE, household_roll
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
    now = clock.now
    rnd = services.appraisal.create_round(
        Principal(0, "office", "admin"),
        NewRound(
            name="2026年第四季度",
            period_start=now.date().replace(day=1),
            period_end=now.date(),
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=7),
        ),
    )
    services.appraisal.import_roll(rnd.id, "villagers", "roll.csv", household_roll(3))
    return services


def test_a_household_votes_from_the_link_on_its_slip(
    services: Services, server: str, browser: Browser
) -> None:
    rnd = services.appraisal.rounds()[0]
    slips = services.appraisal.slips(rnd.id, "villagers", server)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(slips[0].url)
    page.wait_for_selector("#sheet:not([hidden])")
    assert page.input_value("#code") == slips[0].code
    assert [n.strip() for n in page.locator(".cadre h3").all_inner_texts()] == ["其其格", "萨仁", "阿拉坦"]
    assert "巴音嘎查" in page.inner_text("#sheet-where")
    page.click("fieldset[data-cadre=c001] label:has-text('优秀')")
    page.click("fieldset[data-cadre=c003] label:has-text('基本称职')")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "vote-sheet.png"), full_page=True)
    page.click("#vote-submit")
    page.wait_for_selector("#done:not([hidden])")
    assert "#" not in page.url  # the used code left the address bar
    assert services.appraisal.round(rnd.id).ballots["villagers"] == 1

    page.goto(slips[0].url)  # the same slip again
    page.wait_for_selector("#error:not([hidden])")
    assert page.inner_text("#error") == "该评议码已经使用过，每户只能评议一次"
    page.fill("#code", "ABCDE-FGHJK")
    page.click("#code-submit")
    page.wait_for_selector("#error:has-text('评议码无效')")
    page.screenshot(path=str(ARTIFACTS / "vote-refused.png"), full_page=True)


def test_the_office_prints_slips_with_qr_codes(services: Services, server: str, browser: Browser) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{server}/appraisal")
    log_in(page, "office", PASSWORD)
    page.wait_for_selector("#round-status h2:has-text('2026年第四季度 · 投票中')")
    page.click("#slips-print")
    page.wait_for_selector("#slips:not([hidden]) .slip")
    assert page.locator(".slip").count() == 3
    assert page.locator(".slip .qr svg").count() == 3
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "appraisal-slips.png"), full_page=True)
    page.click("#slips-close")
    page.click("#sheet-load")
    page.wait_for_selector("#sheet-out .r-title:has-text('驻村干部考核汇总表')")
    assert page.locator("#sheet-out tbody tr").count() == 6
    page.screenshot(path=str(ARTIFACTS / "appraisal-sheet.png"), full_page=True)
