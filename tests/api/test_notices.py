"""The administrator's notices through HTTP: listed and acknowledged on /api/notices (administrators
only), listed on /healthz without making it 503, counted per kind on /metrics."""

from __future__ import annotations

from datetime import date, datetime

from fastapi.testclient import TestClient

from api.app import create_app
from tests.api.test_access import login
from tests.api.test_health_metrics import LOCAL, samples
from tests.helpers.clocks import FakeClock
from watchd.app import Services
from watchd.domain.notices import NoticeKind

DECEMBER_2098 = datetime.fromisoformat("2098-12-01T09:00:00+08:00")  # 2099's holidays are nowhere yet


def test_notices_are_listed_and_acknowledged_by_administrators(services: Services, clock: FakeClock) -> None:
    clock.now = DECEMBER_2098
    services.attendance.check_calendar()
    with TestClient(create_app(services)) as client:
        admin = login(services, client, "admin")
        listed = client.get("/api/notices", headers=admin).json()
        notice = next(n for n in listed if n["subject"] == "2099")
        assert (notice["kind"], notice["kind_label"], notice["active"]) == ("calendar_missing", "节假日安排未录入", True)
        assert "在 /reports 页“节假日”中粘贴国务院办公厅关于2099年部分节假日安排的通知" in notice["text"]

        r = client.post(f"/api/notices/{notice['id']}/acknowledge", headers=admin)
        assert r.status_code == 200
        assert (r.json()["acknowledged_by"], r.json()["active"]) == ("admin", True)
        assert client.post("/api/notices/999999/acknowledge", headers=admin).status_code == 404
        for role in ("leader", "duty_officer", "cadre"):
            headers = login(services, client, role)
            assert client.get("/api/notices", headers=headers).status_code == 403


def test_resolved_notices_are_listed_on_request(services: Services, clock: FakeClock) -> None:
    clock.now = DECEMBER_2098
    services.attendance.check_calendar()
    services.attendance.set_override(date(2099, 1, 1), workday=False, name="元旦", by="admin")
    services.attendance.check_calendar()
    with TestClient(create_app(services)) as client:
        admin = login(services, client, "admin")
        assert {n["subject"] for n in client.get("/api/notices", headers=admin).json()} == {"2098"}
        both = client.get("/api/notices", params={"include_resolved": True}, headers=admin).json()
        assert [(n["subject"], n["active"]) for n in both] == [("2098", True), ("2099", False)]


def test_healthz_lists_notices_and_stays_200(services: Services, clock: FakeClock) -> None:
    clock.now = DECEMBER_2098
    services.attendance.check_calendar()
    with TestClient(create_app(services)) as client:
        r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    assert {(n["kind"], n["subject"], n["acknowledged"]) for n in r.json()["notices"]} == {
        ("calendar_missing", "2098", False), ("calendar_missing", "2099", False),
    }
    assert all(n["since"] == "2098-12-01T09:00:00+08:00" for n in r.json()["notices"])


def test_metrics_count_open_notices_per_kind(services: Services, clock: FakeClock) -> None:
    with TestClient(create_app(services), client=LOCAL) as client:
        before = samples(client)
        assert {before[("watchd_notices", (("kind", k.value),))] for k in NoticeKind} == {0.0}
        clock.now = DECEMBER_2098
        services.attendance.check_calendar()
        after = samples(client)
    assert after[("watchd_notices", (("kind", "calendar_missing"),))] == 2.0
    assert after[("watchd_notices", (("kind", "disk_low"),))] == 0.0
    assert not any(name == "watchd_incidents_open" for name, _ in after)  # no incident behind it


def test_looking_at_a_far_year_raises_no_notice(
    services: Services, client: TestClient, admin_headers: dict[str, str]
) -> None:
    assert client.get("/api/attendance/calendar", params={"year": 2079}, headers=admin_headers).status_code == 200
    assert client.get("/api/attendance/daily", params={"date": "1905-01-02"}, headers=admin_headers).status_code == 200
    assert services.notices.active() == []  # 2026 is covered; nobody must act on 1905 or 2079
