"""The review item on the duty screen in real headless Chromium against the real app under uvicorn:
a motion event appears with its countdown, the officer claims it, plays the clip (an MP4 fetched
with the login token; frames decode and time advances), and marks it a false alarm with a note; the
incident is then settled and the leader on duty was never told. Screenshots go to test-artifacts/.
Skips with a reason without Chromium or ffmpeg; fails instead in CI (WATCHD_REQUIRE_INTEGRATION=1)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.api.duty_live import TIMEOUT_MS, LiveServer, shot
from tests.helpers.clocks import FakeClock, WallClock
from tests.watchd.review.reviewing import camera_event, make_clip, review_township
from watchd.app import Services

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.date_sensitive]
PASSWORD = "a-long-password"


@pytest.fixture
def clock() -> FakeClock:
    return WallClock()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the page is the subject here; the flow has HTTP tests on both databases."""
    return f"sqlite:///{tmp_path / 'watchd.db'}"


@pytest.fixture
def services(make_services: Callable[..., Services], clock: FakeClock) -> Services:
    return review_township(make_services, None, clock)


def test_the_officer_claims_plays_the_clip_and_marks_a_false_alarm_on_the_duty_screen(
    services: Services, live: LiveServer, browser: Browser, clock: FakeClock, tmp_path: Path
) -> None:
    clip = make_clip(tmp_path / "clip.mp4")
    services.auth.add_user("d001", PASSWORD, "duty_officer")
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{live.url}/dashboard")
    page.fill("#login-username", "d001")
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_function("document.getElementById('conn').textContent === '实时'")
    assert page.inner_text("#review") == "没有待复核的摄像机事件"

    incident = services.alerts.record(camera_event(services, clock, zones=("道路",), clip=clip)).incident_id
    item = page.wait_for_selector("li.r-item[data-status='unreviewed']")
    assert item is not None
    text = item.inner_text()
    assert (
        "3号沙坑 坑口东 发现移动目标（道路）" in text and "坑口东 坑口东" not in text and "待复核" in text
    ), text
    page.wait_for_function(
        "/\\d\\d:\\d\\d 后未复核将自动上报带班领导/.test(document.querySelector('.r-hold').textContent)"
    )
    assert "（待复核 1）" in page.inner_text("#review-count")
    shot(page, "review-unreviewed.png")

    page.click("button.r-claim")
    page.wait_for_selector("li.r-item[data-status='claimed']")
    assert "d001 复核中" in page.inner_text("li.r-item")
    page.click("button.r-play")
    page.wait_for_selector("video.r-clip")
    page.wait_for_function(
        "(() => { const v = document.querySelector('video.r-clip'); return v && v.readyState >= 2 && v.currentTime > 0.3; })()"
    )
    assert page.evaluate("document.querySelector('video.r-clip').videoWidth") == 320
    shot(page, "review-playing.png")

    page.fill("input.r-note", "车灯晃动")
    page.click("button.r-verdict[data-verdict='false_alarm']")
    page.wait_for_selector("li.r-item[data-status='false_alarm']")
    done = page.inner_text("li.r-item")
    assert "误报" in done and "d001 判定" in done and "说明：车灯晃动" in done, done
    assert page.inner_text("#review-count") == ""
    detail = services.alerts.get(incident or 0)
    assert detail.incident.status == "resolved" and detail.incident.resolved_by == "d001"
    assert detail.notifications == []  # the leader on duty was never bothered
    assert [e.event for e in detail.events if e.event.startswith("review_")][-3:] == [
        "review_viewed",
        "review_verdict",
        "review_settled",
    ]
    shot(page, "review-false-alarm.png")
