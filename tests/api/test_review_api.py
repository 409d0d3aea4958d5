"""The review flow over HTTP, as the duty officer and the leader on duty meet it: the item with its
snapshot and clip, claiming it, someone else's claim refused, the claim expiring back to
unreviewed, the verdicts with a note, who may give them, the leader's acknowledge page playing the
clip, and the false-alarm counts per camera and zone. The clock is the test's; both databases."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.helpers.clocks import FakeClock
from tests.watchd.alerts.alerting import MakeServices, Ticker
from tests.watchd.alerts.webhook_receiver import WebhookReceiver
from tests.watchd.review.reviewing import LEADER, camera_event, make_clip, review_township
from watchd.app import Services

PASSWORD = "a-long-password"


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as r:
        yield r


@pytest.fixture
def township(make_services: MakeServices, clock: FakeClock, receiver: WebhookReceiver) -> Services:
    return review_township(make_services, receiver.url, clock, review={"claim_minutes": 2})


@pytest.fixture
def http(township: Services) -> Iterator[TestClient]:
    with TestClient(create_app(township)) as c:
        yield c


def login(services: Services, client: TestClient, username: str, role: str) -> dict[str, str]:
    services.auth.add_user(username, PASSWORD, role)
    r = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_the_officer_claims_plays_and_marks_real_and_the_leader_gets_the_clip_link(
    township: Services, http: TestClient, clock: FakeClock, receiver: WebhookReceiver, tmp_path: Path
) -> None:
    clip = make_clip(tmp_path / "clip.mp4")
    incident = township.alerts.record(camera_event(township, clock, clip=clip)).incident_id
    officer = login(township, http, "d001", "duty_officer")
    [item] = http.get("/api/review", headers=officer).json()
    assert (item["status"], item["status_text"], item["camera_name"], item["zones"]) == (
        "unreviewed",
        "待复核",
        "坑口东",
        ["坑口"],
    )
    assert item["has_clip"] and item["has_snapshot"] and item["hold"] == "held"
    assert item["hold_until"].startswith("2026-11-23T08:33:00+08:00")  # the township's time
    video = http.get(f"/api/review/{item['id']}/clip", headers=officer)
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    assert video.content == clip.read_bytes()

    claimed = http.post(f"/api/review/{item['id']}/claim", headers=officer).json()
    assert claimed["status"] == "claimed" and claimed["claimed_by"] == "d001"
    assert http.post(f"/api/review/{item['id']}/viewed", headers=officer).json()["viewed_at"] is not None
    r = http.post(
        f"/api/review/{item['id']}/verdict", headers=officer, json={"verdict": "real", "note": "有人翻越围栏"}
    )
    assert r.status_code == 200 and r.json()["status"] == "real" and r.json()["note"] == "有人翻越围栏"
    again = http.post(f"/api/review/{item['id']}/verdict", headers=officer, json={"verdict": "false_alarm"})
    assert again.status_code == 409 and again.json()["detail"]["code"] == "review_decided"

    Ticker(township).tick()
    [text] = receiver.texts_to(LEADER)
    link = re.search(r"https://watch\.example\.cn(/a/\S+)", text)
    assert link and "值班室复核属实" in text, text
    page = http.get(link.group(1))
    assert page.status_code == 200 and "<video" in page.text and f"/clip/{incident}" in page.text, page.text
    played = http.get(f"{link.group(1)}/clip/{incident}")
    assert played.status_code == 200 and played.content == clip.read_bytes()
    assert http.get(f"{link.group(1)}x/clip/{incident}").status_code == 401  # a tampered link plays nothing

    history = http.get(f"/api/incidents/{incident}", headers=officer).json()["events"]
    assert [(e["event"], e["actor"]) for e in history if e["event"].startswith("review_")] == [
        ("review_hold", ""),
        ("review_item", ""),
        ("review_claimed", "d001"),
        ("review_viewed", "d001"),
        ("review_verdict", "d001"),
        ("review_real", "d001"),
    ]


def test_someone_elses_claim_is_refused_until_it_expires(
    township: Services, http: TestClient, clock: FakeClock
) -> None:
    township.alerts.record(camera_event(township, clock))
    first, second = (
        login(township, http, "d001", "duty_officer"),
        login(township, http, "d002", "duty_officer"),
    )
    [item] = http.get("/api/review", headers=first).json()
    assert http.post(f"/api/review/{item['id']}/claim", headers=first).status_code == 200
    taken = http.post(f"/api/review/{item['id']}/claim", headers=second)
    assert taken.status_code == 409 and taken.json()["detail"]["code"] == "review_claimed_by_other"
    assert "其他值班人员" in taken.json()["detail"]["message"]
    blocked = http.post(f"/api/review/{item['id']}/verdict", headers=second, json={"verdict": "handled"})
    assert blocked.status_code == 409

    clock.advance(minutes=2)  # claim_minutes = 2
    Ticker(township).tick()  # the runner returns it to unreviewed, in the incident's history
    [back] = http.get("/api/review", headers=second).json()
    assert back["status"] == "unreviewed" and back["claimed_by"] is None
    assert http.post(f"/api/review/{item['id']}/claim", headers=second).json()["claimed_by"] == "d002"
    events = [
        e["event"] for e in http.get(f"/api/incidents/{back['incident_id']}", headers=second).json()["events"]
    ]
    assert "review_claim_expired" in events


def test_only_the_duty_roles_give_verdicts_and_a_bad_verdict_is_named(
    township: Services, http: TestClient, clock: FakeClock
) -> None:
    township.alerts.record(camera_event(township, clock))
    leader, cadre = login(township, http, "leader1", "leader"), login(township, http, "c001", "cadre")
    [item] = http.get("/api/review", headers=leader).json()  # the leader sees the screen
    assert http.post(f"/api/review/{item['id']}/claim", headers=leader).status_code == 403
    assert (
        http.post(f"/api/review/{item['id']}/verdict", headers=cadre, json={"verdict": "real"}).status_code
        == 403
    )
    assert http.get("/api/review", headers=cadre).status_code == 403
    assert http.post(f"/api/review/{item['id']}/claim").status_code == 401
    officer = login(township, http, "d001", "duty_officer")
    bad = http.post(f"/api/review/{item['id']}/verdict", headers=officer, json={"verdict": "maybe"})
    assert bad.status_code == 422 and "verdict" in bad.text
    assert http.post("/api/review/999/claim", headers=officer).status_code == 404


def test_false_alarms_count_per_camera_and_zone_on_the_camera_page_and_in_the_month(
    township: Services, http: TestClient, clock: FakeClock
) -> None:
    officer = login(township, http, "d001", "duty_officer")
    for days, zones in ((20, ("道路",)), (10, ("道路",)), (1, ("坑口",))):
        township.alerts.record(camera_event(township, clock, zones=zones, at=clock() - timedelta(days=days)))
        item = http.get("/api/review", headers=officer).json()[0]
        http.post(
            f"/api/review/{item['id']}/verdict",
            headers=officer,
            json={"verdict": "false_alarm", "note": "车灯"},
        )
    [cam] = [c for c in http.get("/api/cameras", headers=officer).json() if c["id"] == "cam3"]
    assert (cam["false_alarms_7d"], cam["false_alarms_30d"]) == (1, 3)
    assert cam["false_alarm_zones_30d"] == {"道路": 2, "坑口": 1} and cam["false_alarm_top_zone"] == "道路"
    admin = login(township, http, "boss", "admin")
    report = http.get("/api/review/report", params={"month": "2026-11"}, headers=admin).json()["tables"][0]
    assert report["rows"][0][:7] == ["3号沙坑", "坑口东", 3, 0, 3, 0, 0]
    assert report["rows"][0][7:9] == ["100%", "道路（2次）"]
    # The monthly duty report carries the same table after the spot checks, and the duty screen's tile says it.
    duty = http.get("/api/reports/duty", params={"month": "2026-11"}, headers=admin).json()["tables"]
    assert len(duty) == 2 and duty[1]["rows"][0][:5] == ["3号沙坑", "坑口东", 3, 0, 3]
    [tile] = [c for c in http.get("/api/dashboard/state", headers=officer).json()["cameras"] if c["id"] == "cam3"]
    assert tile["false_alarms"] == {"last_7_days": 1, "last_30_days": 3, "top_zone": "道路"}
