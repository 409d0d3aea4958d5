"""Check-in at the village kiosk through the API: recognised, recorded once, refused with a reason."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.faces import BIDEN_PROBE, OBAMA_PROBE, OBAMA_TRAIN, kiosk_frame, photo_bytes
from tests.helpers.clocks import FakeClock
from watchd.app import Services


@pytest.fixture
def kiosk(make_services: Callable[..., Services], admin_headers_for):  # type: ignore[no-untyped-def]
    """Liveness off: single-photo probes. Obama is enrolled as c001 (巴音嘎查); Biden is not enrolled."""
    services, client, headers = admin_headers_for(make_services(liveness={"required": False}))
    r = client.post(
        "/api/people/c001/faces", headers=headers,
        files=[("photos", ("o.jpg", io.BytesIO(photo_bytes(OBAMA_TRAIN)), "image/jpeg"))],
    )
    assert r.status_code == 201
    token = services.auth.issue_device_token("kiosk-bayan")
    return services, client, {"Authorization": f"Bearer {token}"}, headers


def send(client: TestClient, headers: dict[str, str], frames: list[bytes], key: str, **form: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/kiosk/checkins", headers=headers,
        data={"idempotency_key": key, **form},
        files=[("frames", (f"f{i}.jpg", io.BytesIO(f), "image/jpeg")) for i, f in enumerate(frames)],
    )


def test_enrolled_cadre_checks_in_and_appears_in_the_village_list(kiosk) -> None:  # type: ignore[no-untyped-def]
    _services, client, kiosk_h, admin_h = kiosk
    r = send(client, kiosk_h, [kiosk_frame(OBAMA_PROBE)], "attempt-0001")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "accepted" and body["message"] == "签到成功"
    assert body["checkin"]["person_name"] == "其其格" and body["checkin"]["site_name"] == "巴音嘎查"
    assert body["checkin"]["occurred_at"].endswith("+08:00")
    assert body["checkin"]["distance"] < 0.5
    rows = client.get("/api/checkins", headers=admin_h, params={"date": "2026-11-23"}).json()
    assert [(c["person_id"], c["device_id"], c["method"]) for c in rows] == [("c001", "kiosk-bayan", "kiosk_face")]
    villages = {v["site_id"]: v for v in client.get("/api/checkins/by-village", headers=admin_h).json()["villages"]}
    assert [c["person_name"] for c in villages["bayan"]["checkins"]] == ["其其格"]
    assert villages["hure"]["missing"] == ["巴特尔"]


def test_replayed_attempt_is_recorded_once(kiosk) -> None:  # type: ignore[no-untyped-def]
    _services, client, kiosk_h, admin_h = kiosk
    first = send(client, kiosk_h, [kiosk_frame(OBAMA_PROBE)], "attempt-0002")
    again = send(client, kiosk_h, [kiosk_frame(OBAMA_PROBE)], "attempt-0002")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["status"] == "duplicate" and again.json()["checkin"]["id"] == first.json()["checkin"]["id"]
    assert len(client.get("/api/checkins", headers=admin_h).json()) == 1


def test_second_attempt_within_the_window_counts_once(kiosk, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    _services, client, kiosk_h, admin_h = kiosk
    send(client, kiosk_h, [kiosk_frame(OBAMA_PROBE)], "attempt-0003")
    clock.advance(minutes=2)
    r = send(client, kiosk_h, [kiosk_frame(OBAMA_PROBE)], "attempt-0004")
    assert r.status_code == 200 and r.json()["message"] == "已签到，无需重复"
    assert len(client.get("/api/checkins", headers=admin_h).json()) == 1


def test_stranger_is_not_checked_in(kiosk) -> None:  # type: ignore[no-untyped-def]
    _services, client, kiosk_h, admin_h = kiosk
    r = send(client, kiosk_h, [kiosk_frame(BIDEN_PROBE)], "attempt-0005")
    assert r.status_code == 422
    assert r.json()["detail"]["code"] == "unknown_person" and "未能识别" in r.json()["detail"]["message"]
    assert client.get("/api/checkins", headers=admin_h).json() == []


def test_queued_offline_checkin_keeps_its_capture_time(kiosk, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    services, client, kiosk_h, _admin_h = kiosk
    captured = (clock.now - timedelta(hours=5)).isoformat()
    r = send(client, kiosk_h, [kiosk_frame(OBAMA_PROBE)], "attempt-0006", captured_at=captured)
    assert r.status_code == 201
    assert r.json()["checkin"]["occurred_at"] == (clock.now - timedelta(hours=5)).astimezone(
        services.config.settings.zone
    ).isoformat()


def test_bad_kiosk_requests_are_refused_and_store_nothing(kiosk, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    _services, client, kiosk_h, admin_h = kiosk
    frame = kiosk_frame(OBAMA_PROBE)
    future = (clock.now + timedelta(hours=2)).isoformat()
    ancient = (clock.now - timedelta(days=40)).isoformat()
    cases = [
        (send(client, {"Authorization": "Bearer forged"}, [frame], "attempt-0100"), 401, "unknown_device"),
        (send(client, kiosk_h, [frame], "bad key!"), 422, "bad_key"),
        (send(client, kiosk_h, [frame], "attempt-0101", captured_at=future), 422, "future_time"),
        (send(client, kiosk_h, [frame], "attempt-0102", captured_at=ancient), 422, "too_old"),
        (send(client, kiosk_h, [frame], "attempt-0103", captured_at="yesterday"), 422, "bad_request"),
        (send(client, kiosk_h, [b"GIF89a not really"], "attempt-0104"), 422, "not_an_image"),
        (send(client, kiosk_h, [frame[: len(frame) // 3]], "attempt-0105"), 422, "truncated"),
        (send(client, kiosk_h, [frame] * 17, "attempt-0106"), 422, "too_many_frames"),
        (send(client, kiosk_h, [], "attempt-0107"), 422, "bad_request"),
    ]
    for r, status, code in cases:
        assert (r.status_code, r.json()["detail"]["code"]) == (status, code), r.text
    wrong_type = client.post(
        "/api/kiosk/checkins", headers=kiosk_h, data={"idempotency_key": "attempt-0108"},
        files=[("frames", ("f.png", io.BytesIO(frame), "application/pdf"))],
    )
    assert wrong_type.status_code == 415
    assert client.get("/api/checkins", headers=admin_h).json() == []


def test_snapshot_is_kept_only_when_configured(make_services, admin_headers_for) -> None:  # type: ignore[no-untyped-def]
    services, client, headers = admin_headers_for(
        make_services(liveness={"required": False}, checkin={"keep_snapshot": True})
    )
    client.post(
        "/api/people/c001/faces", headers=headers,
        files=[("photos", ("o.jpg", io.BytesIO(photo_bytes(OBAMA_TRAIN)), "image/jpeg"))],
    )
    kiosk_h = {"Authorization": f"Bearer {services.auth.issue_device_token('kiosk-bayan')}"}
    r = send(client, kiosk_h, [kiosk_frame(OBAMA_PROBE)], "attempt-0200")
    assert r.json()["checkin"]["has_snapshot"] is True
    snap = client.get(f"/api/checkins/{r.json()['checkin']['id']}/snapshot", headers=headers)
    assert snap.status_code == 200 and snap.content[:2] == b"\xff\xd8"
    assert client.get(f"/api/checkins/{r.json()['checkin']['id']}/snapshot", headers=kiosk_h).status_code == 401
    # deleting the person erases the face snapshot too
    client.delete("/api/people/c001", headers=headers)
    assert client.get(f"/api/checkins/{r.json()['checkin']['id']}/snapshot", headers=headers).status_code == 404
    assert not any(p.is_file() for p in (services.config.data_dir / "snapshots").rglob("*"))


def test_still_photo_fails_liveness(make_services, admin_headers_for) -> None:  # type: ignore[no-untyped-def]
    """With liveness on (the default), the same still picture in every frame is a photo, not a person."""
    services, client, headers = admin_headers_for(make_services())
    client.post(
        "/api/people/c001/faces", headers=headers,
        files=[("photos", ("o.jpg", io.BytesIO(photo_bytes(OBAMA_TRAIN)), "image/jpeg"))],
    )
    kiosk_h = {"Authorization": f"Bearer {services.auth.issue_device_token('kiosk-bayan')}"}
    r = send(client, kiosk_h, [kiosk_frame(OBAMA_PROBE)] * 10, "attempt-0300", challenge="left")
    assert r.status_code == 422
    assert r.json()["detail"]["code"] in {"no_turn", "not_frontal"}
    assert client.get("/api/checkins", headers=headers).json() == []
