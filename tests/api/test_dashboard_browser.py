"""The duty-room screen in real headless Chromium against the real app under uvicorn (SQLite):
it renders, an incident appears live, the acknowledge button works, and after the server restarts
or the network blinks it shows the truth again by itself. Screenshots go to test-artifacts/.
Skips with a reason without /usr/bin/chromium; fails instead in CI (WATCHD_REQUIRE_INTEGRATION=1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.api.duty_live import (
    TIMEOUT_MS,
    BlinkingProxy,
    LiveServer,
    duty_services_today,
    shot,
)
from tests.helpers.clocks import FakeClock, WallClock
from watchd.app import Services
from watchd.domain.observations import Observation, ObservationKind
from watchd.domain.presence import DeskState

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.date_sensitive]


@pytest.fixture
def clock() -> FakeClock:
    return WallClock()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the page is the subject here; the services have their own tests on both databases."""
    return f"sqlite:///{tmp_path / 'watchd.db'}"


@pytest.fixture
def services(make_services: Callable[..., Services]) -> Services:
    return duty_services_today(make_services)


def open_dashboard(browser: Browser, services: Services, url: str, *, width: int = 1600, height: int = 900) -> Page:
    password = services.auth.ensure_first_admin()
    assert password is not None
    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{url}/dashboard")
    page.fill("#login-username", "admin")
    page.fill("#login-password", password)
    page.click("#login-submit")
    page.wait_for_function("document.getElementById('conn').textContent === '实时'")
    return page


def unwatched(services: Services) -> int:
    outcome = services.alerts.record(Observation(
        kind=ObservationKind.duty_room_unwatched, site_id="duty", subject="duty", occurred_at=datetime.now(UTC),
        summary="无人值守超过10分钟（值班：张三）",
    ))
    assert outcome.incident_id is not None
    return outcome.incident_id


def motion(services: Services) -> int:
    outcome = services.alerts.record(Observation(
        kind=ObservationKind.motion, site_id="shakeng", subject="cam3", occurred_at=datetime.now(UTC),
        summary="发现移动目标",
    ))
    assert outcome.incident_id is not None
    return outcome.incident_id


def test_the_screen_shows_the_duty_room_an_incident_live_and_acknowledges_it(
    services: Services, live: LiveServer, browser: Browser
) -> None:
    now = datetime.now(UTC)
    recorder = services.duty_watch.recorder  # what the desk camera's watch stores as it goes
    recorder.change("duty", DeskState.present, now - timedelta(minutes=12, seconds=5))
    recorder.check("duty", now)
    page = open_dashboard(browser, services, live.url)
    room = page.inner_text("[data-room='duty']")
    assert "苏木值班室" in room and "张三" in room and "乌云（13900000001）" in room, room
    assert "未签到" in room and "在岗 12 分钟" in room, room
    zone = services.config.settings.zone
    clocks = {(now + timedelta(seconds=s)).astimezone(zone).strftime("%H:%M") for s in (0, 30, 60)}
    assert page.inner_text("#clock")[:5] in clocks  # the township's time, not the browser's zone
    assert page.inner_text("[data-room='duty2']").count("未排班") == 2
    assert "在线" in page.inner_text("[data-camera='duty-cam']")  # its pictures are being analysed
    assert page.inner_text("#incidents") == "当前没有警情"
    shot(page, "dashboard-quiet.png")

    incident = unwatched(services)  # the watch reports an empty desk; nobody reloads the page
    item = page.wait_for_selector(f"li[data-incident='{incident}']")
    assert item is not None
    text = item.inner_text()
    assert "苏木值班室 无人值守超过10分钟（值班：张三）" in text and "待确认" in text, text
    page.wait_for_selector("[data-room='duty'].is-alarm")
    assert "无人值守" in page.inner_text("[data-room='duty'] .d-flag")
    shot(page, "dashboard-incident.png")

    page.click(f"button.d-ack[data-incident='{incident}']")
    page.wait_for_selector(f"li[data-incident='{incident}'][data-status='acknowledged']")
    assert services.alerts.get(incident).incident.status == "acknowledged"
    assert services.alerts.get(incident).incident.acknowledged_by == "admin"
    meta = page.inner_text(f"li[data-incident='{incident}'] .d-incident-meta")
    assert "admin 已确认" in meta and "已确认 · admin" not in meta, meta  # said once, not twice
    assert page.query_selector(f"button.d-ack[data-incident='{incident}']") is None
    shot(page, "dashboard-acknowledged.png")


# Each item of the top bar: how many lines it takes (its height over its line height), and whether it is in view.
BAR_LINES = """() => [...document.querySelectorAll('.d-top h1, #conn, #clock, #username, #logout, .site-link')].map(e => {
  const r = e.getBoundingClientRect(), s = getComputedStyle(e);
  const line = parseFloat(s.lineHeight) || parseFloat(s.fontSize) * 1.2;
  return {what: e.id || e.textContent.trim(), lines: Math.round((r.height - parseFloat(s.paddingTop)
    - parseFloat(s.paddingBottom) - parseFloat(s.borderTopWidth) - parseFloat(s.borderBottomWidth)) / line),
    inside: r.left >= 0 && r.right <= window.innerWidth};
})"""


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1920, 1080)])
def test_the_top_bar_keeps_every_word_on_one_line_on_common_screens(
    services: Services, live: LiveServer, browser: Browser, width: int, height: int
) -> None:
    page = open_dashboard(browser, services, live.url, width=width, height=height)
    items = page.evaluate(BAR_LINES)
    assert len(items) >= 8, items  # the title, the connection, the clock, the user, log-out and the page links
    assert [i for i in items if i["lines"] != 1 or not i["inside"]] == [], items
    shot(page, f"dashboard-top-{width}.png")


@pytest.fixture
def link(live: LiveServer) -> Iterator[BlinkingProxy]:
    proxy = BlinkingProxy(live.port)
    try:
        yield proxy
    finally:
        proxy.close()


def test_after_a_server_restart_and_a_network_blink_the_screen_shows_the_truth(
    services: Services, live: LiveServer, link: BlinkingProxy, browser: Browser
) -> None:
    page = open_dashboard(browser, services, link.url)
    live.stop()
    page.wait_for_function("document.getElementById('conn').textContent.indexOf('连接中断') === 0")
    assert page.evaluate("document.body.classList.contains('stale')")
    shot(page, "dashboard-server-down.png")
    while_down = motion(services)  # happens while the server is down
    live.start()
    page.wait_for_selector(f"li[data-incident='{while_down}']")
    page.wait_for_function("document.getElementById('conn').textContent === '实时'")
    assert "3号沙坑 发现移动目标" in page.inner_text(f"li[data-incident='{while_down}']")
    shot(page, "dashboard-after-restart.png")

    # The network drops (the open stream breaks); meanwhile the incident is acknowledged by SMS
    # and the desk is reported empty. Back online, the screen catches up without a reload.
    link.cut()
    page.wait_for_function("document.getElementById('conn').textContent.indexOf('连接中断') === 0")
    services.alerts.acknowledge(while_down, "乌云", via="sms reply")
    during_blink = unwatched(services)
    page.wait_for_timeout(3000)  # a few reconnection attempts fail meanwhile
    assert page.query_selector(f"li[data-incident='{during_blink}']") is None  # cut off: it cannot know yet
    link.restore()
    page.wait_for_selector(f"li[data-incident='{during_blink}']", timeout=40_000)
    page.wait_for_selector(f"li[data-incident='{while_down}'][data-status='acknowledged']")
    assert "乌云 已确认" in page.inner_text(f"li[data-incident='{while_down}']")
    shot(page, "dashboard-after-blink.png")


def test_a_login_without_the_permission_is_told_so_and_not_left_reconnecting(
    services: Services, live: LiveServer, browser: Browser
) -> None:
    services.auth.add_user("c001", "a-long-password", "cadre")
    page = browser.new_page(viewport={"width": 1600, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{live.url}/dashboard")
    page.fill("#login-username", "c001")
    page.fill("#login-password", "a-long-password")
    page.click("#login-submit")
    page.wait_for_selector("#login-error:not([hidden])")
    message = page.inner_text("#login-error")
    assert message.startswith("没有权限：查看值班大屏（当前账号角色：干部）"), message
    assert page.is_hidden("#app")
    shot(page, "dashboard-forbidden.png")
