"""The kiosk and admin pages in real headless Chromium, with real face footage as the camera.

The app runs under uvicorn on 127.0.0.1 (a real HTTP server, SQLite, the real recognition
models); Chromium takes its camera from a .y4m made from ../shared/data (see kiosk_video.py).
Skips with a reason without /usr/bin/chromium or ../shared/data; fails instead in CI
(WATCHD_REQUIRE_INTEGRATION=1). Screenshots go to test-artifacts/ at the repo root.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.api.kiosk_video import KioskFootage, make_kiosk_footage
from tests.browser import CHROMIUM, launch_chromium, start_playwright
from tests.faces import SHARED
from tests.helpers.clocks import FakeClock, WallClock
from tests.helpers.live_server import served
from tests.helpers.waits import wait_for
from tests.integration import need
from watchd.app import Services
from watchd.services.checkins import NewCheckin

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright, Route

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.date_sensitive]

CLIP = SHARED / "video" / "faces_clip_640x360_h264.mp4"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 20_000


@pytest.fixture
def clock() -> FakeClock:
    return WallClock()


@pytest.fixture
def overrides() -> dict[str, Any]:
    """Configuration overrides for `services`; a test parametrizes it to change them."""
    return {}


@pytest.fixture
def services(make_services: Callable[..., Services], overrides: dict[str, Any]) -> Services:
    return make_services(**overrides)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the pages are the subject here; the database layer has its own tests."""
    return f"sqlite:///{tmp_path / 'watchd.db'}"


@pytest.fixture(scope="module")
def footage(tmp_path_factory: pytest.TempPathFactory) -> KioskFootage:
    need(CHROMIUM.is_file(), f"{CHROMIUM} not installed (apt-get install chromium)")
    need(CLIP.is_file(), f"face video missing: {CLIP}")
    return make_kiosk_footage(CLIP, tmp_path_factory.mktemp("footage"))


@pytest.fixture(scope="module")
def playwright(footage: KioskFootage) -> Iterator[Playwright]:
    manager = start_playwright()
    try:
        yield manager
    finally:
        manager.stop()


@pytest.fixture
def launch(playwright: Playwright) -> Iterator[Callable[[Path], Browser]]:
    """Start Chromium with a .y4m file as its camera; closed at the end of the test."""
    browsers: list[Browser] = []

    def start(video: Path) -> Browser:
        browser = launch_chromium(playwright, [
            "--no-sandbox",
            "--disable-gpu",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        browsers.append(browser)
        return browser

    yield start
    for b in browsers:
        b.close()


@pytest.fixture
def server(services: Services) -> Iterator[str]:
    """The real app on 127.0.0.1 and a free port, in a background thread; yields its base URL."""
    with served(services) as url:
        yield url


@pytest.fixture
def admin_password(services: Services) -> str:
    password = services.auth.ensure_first_admin()
    assert password is not None
    return password


@pytest.fixture
def api(server: str, admin_password: str) -> Iterator[httpx.Client]:
    """An httpx client logged in as the first admin."""
    with httpx.Client(base_url=server, timeout=30) as client:
        r = client.post("/api/auth/login", json={"username": "admin", "password": admin_password})
        assert r.status_code == 200, r.text
        client.headers["Authorization"] = f"Bearer {r.json()['token']}"
        yield client


def kiosk_token(services: Services) -> str:
    return services.auth.issue_device_token("kiosk-bayan")


def enrol(api: httpx.Client, footage: KioskFootage, person: str = "c001") -> None:
    files = [("photos", (p.name, p.read_bytes(), "image/jpeg")) for p in footage.enrol_photos]
    r = api.post(f"/api/people/{person}/faces", files=files)
    assert r.status_code == 201, r.text
    assert r.json()["stored"] == len(footage.enrol_photos), r.text


def open_kiosk(browser: Browser, server: str, token: str, *, viewport: tuple[int, int] = (800, 1280)) -> Page:
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    page.set_default_timeout(TIMEOUT_MS)
    # The clip turns right: ask for that direction (the page picks at random otherwise).
    page.add_init_script("window.WATCHD_KIOSK_TEST = {challenge: 'right'};")
    page.goto(f"{server}/kiosk#token={token}")
    page.wait_for_function("document.getElementById('site-name').textContent === '巴音嘎查'")
    page.wait_for_function(
        "() => { const v = document.getElementById('video'); return v.readyState >= 2 && v.videoWidth > 0; }"
    )
    return page


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def result_text(page: Page) -> str:
    page.wait_for_selector("#result:not([hidden])")
    return page.inner_text("#result")


def watermark(api: httpx.Client, device_id: str) -> datetime:
    r = api.get("/api/attendance/devices")
    assert r.status_code == 200, r.text
    (row,) = [w for w in r.json() if w["device_id"] == device_id]
    return datetime.fromisoformat(row["reported_until"])


def checkins(api: httpx.Client) -> list[dict[str, Any]]:
    r = api.get("/api/checkins")
    assert r.status_code == 200, r.text
    rows: list[dict[str, Any]] = r.json()
    return rows


# ---- tests ------------------------------------------------------------------------------------


def test_kiosk_shows_its_site_with_a_valid_token_and_asks_for_one_otherwise(
    services: Services, server: str, launch: Callable[[Path], Browser], footage: KioskFootage
) -> None:
    browser = launch(footage.turn_clip)
    page = open_kiosk(browser, server, kiosk_token(services), viewport=(1366, 768))
    assert "#token" not in page.url  # removed from the address bar, kept in localStorage
    assert page.evaluate("localStorage.getItem('watchd.kiosk.token')")
    assert page.inner_text("#prompt") == "请正对摄像头"
    assert page.is_visible("#start")
    assert page.is_visible("#clock-time") and ":" in page.inner_text("#clock-time")
    shot(page, "kiosk-idle-1366x768.png")

    other = browser.new_page(viewport={"width": 800, "height": 1280})
    other.set_default_timeout(TIMEOUT_MS)
    other.goto(f"{server}/kiosk#token=not-a-valid-token")
    other.wait_for_selector("#screen-token:not([hidden])")
    assert "设备未登记或令牌无效" in other.inner_text("#token-error")
    assert other.evaluate("localStorage.getItem('watchd.kiosk.token')") is None
    shot(other, "kiosk-bad-token.png")


def test_face_checkin_end_to_end_with_head_turn(
    services: Services,
    server: str,
    api: httpx.Client,
    launch: Callable[[Path], Browser],
    footage: KioskFootage,
) -> None:
    enrol(api, footage)
    page = open_kiosk(launch(footage.turn_clip), server, kiosk_token(services))
    page.click("#start")
    page.wait_for_function("document.getElementById('prompt').textContent === '请向右转头'")
    shot(page, "kiosk-turn-prompt.png")
    text = result_text(page)
    shot(page, "kiosk-checkin-success.png")
    assert "签到成功" in text, text
    assert "其其格" in text
    [row] = checkins(api)
    assert (row["person_id"], row["site_id"], row["liveness"]) == ("c001", "bayan", "passed")
    # Back to the idle screen by itself.
    page.wait_for_selector("#result", state="hidden", timeout=10_000)
    assert page.inner_text("#prompt") == "请正对摄像头"


def test_a_photo_held_to_the_camera_fails_the_head_turn(
    services: Services,
    server: str,
    api: httpx.Client,
    launch: Callable[[Path], Browser],
    footage: KioskFootage,
) -> None:
    enrol(api, footage)
    page = open_kiosk(launch(footage.still_clip), server, kiosk_token(services))
    page.click("#start")
    text = result_text(page)
    shot(page, "kiosk-still-photo-rejected.png")
    assert "未检测到转头动作" in text, text
    assert checkins(api) == []


# No repeat window: only the reused idempotency key can keep a replay from adding a row.
@pytest.mark.parametrize("overrides", [{"checkin": {"dedup_window_minutes": 0}}])
def test_offline_attempt_is_queued_survives_a_reload_and_is_sent_once(
    services: Services,
    server: str,
    api: httpx.Client,
    launch: Callable[[Path], Browser],
    footage: KioskFootage,
) -> None:
    enrol(api, footage)
    page = open_kiosk(launch(footage.turn_clip), server, kiosk_token(services))
    sent: list[str] = []

    def lose_response(route: Route) -> None:
        # The first upload reaches the server, then the connection drops before the answer.
        if not sent:
            sent.append("x")
            route.fetch()
        route.abort("internetdisconnected")

    page.route("**/api/kiosk/checkins", lose_response)
    syncs: list[dict[str, Any]] = []
    page.on(
        "request",
        lambda r: syncs.append(json.loads(r.post_data or "{}")) if r.url.endswith("/api/attendance/device-sync") else None,
    )
    before = watermark(api, "kiosk-bayan")  # what the kiosk's earlier reports allowed
    page.click("#start")
    text = result_text(page)
    assert "网络中断，已暂存" in text and "待上传 1 条" in text, text
    assert page.inner_text("#queue-status") == "待上传 1 条"
    shot(page, "kiosk-queued.png")
    recorded = checkins(api)
    assert len(recorded) == 1  # recorded, but the kiosk never heard back
    # The kiosk tells the server it still holds an attempt, so that day is not settled without it.
    captured = datetime.fromisoformat(recorded[0]["occurred_at"])
    deadline = time.monotonic() + 5
    while not any(x.get("pending") == 1 for x in syncs):
        assert time.monotonic() < deadline, f"no queue report after queueing: {syncs}"
        page.wait_for_timeout(100)
    held = next(x for x in syncs if x.get("pending") == 1)
    assert datetime.fromisoformat(held["oldest_pending_at"]) == captured
    # The report of the held attempt never moves the watermark past it (compared with the watermark the
    # kiosk's earlier reports set, not only the capture time: the page's clock and the server's differ by
    # some milliseconds, and under a shifted clock they are two different fake clocks).
    assert watermark(api, "kiosk-bayan") <= max(before, captured)

    page.reload()  # frames are in IndexedDB, not in memory
    page.wait_for_function("document.getElementById('queue-status').textContent === '待上传 1 条'")
    assert page.is_visible("#queue-status")
    page.wait_for_selector("#screen-main:not([hidden])")
    shot(page, "kiosk-queue-after-reload.png")

    page.unroute("**/api/kiosk/checkins")
    page.wait_for_selector("#queue-status", state="hidden", timeout=30_000)
    assert "已补传" in page.inner_text("#hint")
    rows = checkins(api)
    assert len(rows) == 1, rows
    assert rows[0]["person_id"] == "c001"
    # The emptied queue is reported too.
    wait_for(lambda: watermark(api, "kiosk-bayan") > captured, 10, "the kiosk to report its empty queue", every=0.2)


def test_admin_sees_todays_checkin_in_its_village_and_enrols_a_face(
    services: Services,
    server: str,
    api: httpx.Client,
    admin_password: str,
    launch: Callable[[Path], Browser],
    footage: KioskFootage,
) -> None:
    services.checkins.record(
        NewCheckin(
            key="kiosk-bayan:test-1",
            person_id="c001",
            device_id="kiosk-bayan",
            occurred_at=datetime.now(UTC),
            method="kiosk_face",
            liveness="passed",
            distance=0.31,
        )
    )
    local = datetime.now(services.config.settings.zone).strftime("%H:%M")
    page = launch(footage.still_clip).new_page(viewport={"width": 1366, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{server}/admin")
    page.fill("#login-username", "admin")
    page.fill("#login-password", "wrong password")
    page.click("#login-submit")
    page.wait_for_selector("#login-error:not([hidden])")
    assert "用户名或密码错误" in page.inner_text("#login-error")
    page.fill("#login-password", admin_password)
    page.click("#login-submit")

    bayan = page.wait_for_selector("#today-villages [data-site='bayan']")
    assert bayan is not None
    text = bayan.inner_text()
    assert "其其格" in text and "kiosk-bayan" in text and local in text, text
    hure = page.inner_text("#today-villages [data-site='hure']")
    assert "未签到" in hure and "巴特尔" in hure, hure
    shot(page, "admin-today.png")

    page.click("button[data-tab='people']")
    page.wait_for_selector("tr[data-person='c002']")
    photos = [str(footage.enrol_photos[1]), str(footage.no_face_photo)]
    page.set_input_files("input[type=file][data-person='c002']", photos)
    page.wait_for_selector("tr.a-result-row li.is-ok")
    results = page.inner_text("tr.a-result-row")
    assert f"{footage.enrol_photos[1].name}：已录入" in results, results
    assert "curtain.jpg：未检测到人脸" in results, results
    page.wait_for_function(
        "document.querySelector(\"tr[data-person='c002'] .a-templates\").textContent === '1 张'"
    )
    shot(page, "admin-people.png")

    page.click("button[data-tab='devices']")
    page.fill("#device-id", "kiosk-hure")
    page.once("dialog", lambda d: d.accept())
    page.click("#device-form button[type=submit]")
    page.wait_for_selector("#device-result:not([hidden])")
    assert "/kiosk#token=" in page.inner_text("#device-link")
