"""The duty API over HTTP, on SQLite and PostgreSQL: roster editing and import with row errors, the
iCal export, swaps between an officer and a leader with their own logins, the duty log and the
daily report, who is on duty now, and the dashboard state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from fastapi.testclient import TestClient

from tests.helpers.clocks import FakeClock
from tests.watchd.duty.conftest import duty_config
from watchd.app import Services
from watchd.db.models import CameraEvent
from watchd.db.repositories.camera_events import CameraEventsRepository

Login = Callable[[Services], tuple[Services, TestClient, dict[str, str]]]


def setup(make_services: Callable[..., Services], admin_headers_for: Login) -> tuple[Services, TestClient, dict[str, str]]:
    return admin_headers_for(make_services(**duty_config()))


def login(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/auth/login", json={"username": username, "password": "long-password-" + username})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def login_as(services: Services, client: TestClient, username: str, role: str) -> dict[str, str]:
    services.auth.add_user(username, "long-password-" + username, role)
    return login(client, username)


def test_the_roster_is_edited_listed_and_exported(
    make_services: Callable[..., Services], admin_headers_for: Login
) -> None:
    services, client, admin = setup(make_services, admin_headers_for)
    r = client.put("/api/duty/roster/duty/2026-11-23", json={"officers": ["d001"], "leaders": ["l001"]}, headers=admin)
    assert r.status_code == 200, r.text
    assert [p["name"] for p in r.json()["officers"]] == ["张三"]
    assert r.json()["start"] == "2026-11-23T08:30:00+08:00"
    r = client.put("/api/duty/roster/duty2/2026-11-23", json={"officers": ["d001"]}, headers=admin)
    assert r.status_code == 409
    assert r.json()["detail"]["code"] == "roster_double_booked"
    assert r.json()["detail"]["message"] == "该人员同一天已在另一值班室值班"
    r = client.put("/api/duty/roster/nowhere/2026-11-23", json={"officers": ["d001"]}, headers=admin)
    assert (r.status_code, r.json()["detail"]["message"]) == (404, "值班室不存在")

    r = client.get("/api/duty/roster", params={"first": "2026-11-23", "last": "2026-11-24"}, headers=admin)
    assert [(s["room_id"], s["day"], len(s["officers"])) for s in r.json()] == [
        ("duty", "2026-11-23", 1), ("duty2", "2026-11-23", 0), ("duty", "2026-11-24", 0), ("duty2", "2026-11-24", 0),
    ]
    now = client.get("/api/duty/now", headers=admin).json()
    assert now[0]["officers"] == [{"person_id": "d001", "name": "张三", "phone": "13700000001"}]
    assert now[0]["leaders"][0]["name"] == "乌云"

    ics = client.get("/api/duty/roster.ics", params={"first": "2026-11-01", "last": "2026-11-30"}, headers=admin)
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert ics.text.count("BEGIN:VEVENT") == 2  # the officer's and the leader's event
    assert "SUMMARY:苏木值班室带班：乌云" in ics.text

    cadre = login_as(services, client, "c001", "cadre")
    r = client.put("/api/duty/roster/duty/2026-11-25", json={"officers": ["d002"]}, headers=cadre)
    assert r.status_code == 403


def test_a_roster_file_with_bad_rows_is_refused_with_every_row_named(
    make_services: Callable[..., Services], admin_headers_for: Login
) -> None:
    _, client, admin = setup(make_services, admin_headers_for)
    bad = "日期,值班室,值班人员,带班领导\n2026-12-01,duty,张三,乌云\n2026-13-01,duty,李四,乌云\n2026-12-03,duty,无名氏,乌云\n"
    r = client.post("/api/duty/roster/import", files={"file": ("值班表.csv", bad.encode(), "text/csv")}, headers=admin)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail["code"] == "roster_rows_invalid"
    assert detail["message"] == "值班表中有错误，未导入任何数据，请按提示逐行修改后重新导入"
    assert [(e["row"], e["column"], e["value"]) for e in detail["errors"]] == [
        (3, "日期", "2026-13-01"), (4, "值班人员", "无名氏"),
    ]
    r = client.get("/api/duty/roster", params={"first": "2026-12-01", "last": "2026-12-01", "room": "duty"},
                   headers=admin)
    assert r.json()[0]["officers"] == []  # nothing was written
    good = "日期,值班室,值班人员,带班领导\n2026-12-01,duty,张三,乌云\n2026-12-02,duty,李四,其木格\n"
    r = client.post("/api/duty/roster/import", files={"file": ("值班表.csv", good.encode(), "text/csv")}, headers=admin)
    assert r.status_code == 200, r.text
    assert (r.json()["days"], r.json()["written"]) == (2, True)


def test_an_officer_asks_for_a_swap_and_a_leader_decides(
    make_services: Callable[..., Services], admin_headers_for: Login, clock: FakeClock
) -> None:
    services, client, admin = setup(make_services, admin_headers_for)
    for day, who in (("2026-11-27", "d001"), ("2026-11-28", "d002")):
        client.put(f"/api/duty/roster/duty/{day}", json={"officers": [who], "leaders": ["l002"]}, headers=admin)
    officer = login_as(services, client, "d001", "duty_officer")
    lead = login_as(services, client, "l001", "leader")
    r = client.post("/api/duty/swaps", json={"room_id": "duty", "day": "2026-11-27", "to_person": "d002",
                                             "back_day": "2026-11-28", "reason": "孩子生病"}, headers=officer)
    assert r.status_code == 201, r.text
    swap = r.json()
    assert (swap["from_person"]["name"], swap["to_person"]["name"], swap["status_text"]) == ("张三", "李四", "待审批")
    assert swap["approve_by"] == "2026-11-26T08:30:00+08:00"
    assert client.post(f"/api/duty/swaps/{swap['id']}/approve", json={}, headers=officer).status_code == 403
    r = client.post(f"/api/duty/swaps/{swap['id']}/approve", json={"note": "同意"}, headers=lead)
    assert r.status_code == 200 and r.json()["status"] == "approved"
    shifts = client.get("/api/duty/roster", params={"first": "2026-11-27", "last": "2026-11-28", "room": "duty"},
                        headers=admin).json()
    assert [(s["officers"][0]["name"], s["swapped"]) for s in shifts] == [("李四", True), ("张三", True)]

    # A second request that can no longer be approved in time is refused with the reason.
    clock.advance(days=4, minutes=1)  # Friday 08:31: the 28th's shift starts in less than a day
    officer = login(client, "d001")
    r = client.post("/api/duty/swaps", json={"room_id": "duty", "day": "2026-11-28", "to_person": "d003"},
                    headers=officer)
    assert r.status_code == 422
    assert r.json()["detail"]["code"] == "swap_too_late"
    assert r.json()["detail"]["message"] == "换班须在班次开始前按规定提前审批，已超过审批期限"
    listed = client.get("/api/duty/swaps", params={"person": "d001"}, headers=officer).json()
    assert [s["status"] for s in listed] == ["approved"]


def test_the_duty_log_takes_notes_and_gives_the_daily_report(
    make_services: Callable[..., Services], admin_headers_for: Login
) -> None:
    services, client, admin = setup(make_services, admin_headers_for)
    client.put("/api/duty/roster/duty/2026-11-23", json={"officers": ["d001"], "leaders": ["l001"]}, headers=admin)
    officer = login_as(services, client, "d001", "duty_officer")
    note = {"text": "接县应急局电话，已转告带班领导", "client_key": "phone-call-0001"}
    first = client.post("/api/duty/log/duty/notes", json=note, headers=officer)
    again = client.post("/api/duty/log/duty/notes", json=note, headers=officer)
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    log = client.get("/api/duty/log/duty", headers=officer).json()
    assert log["shift"]["day"] == "2026-11-23" and not log["complete"]
    assert [(n["author"], n["text"]) for n in log["notes"]] == [("张三", "接县应急局电话，已转告带班领导")]
    report = client.get("/api/duty/log/duty/report", params={"day": "2026-11-23"}, headers=officer)
    assert report.headers["content-type"].startswith("text/plain")
    assert "值班人员：张三" in report.text and "08:30 张三：接县应急局电话，已转告带班领导" in report.text
    assert client.post("/api/duty/log/duty/notes", json={"text": ""}, headers=officer).status_code == 422
    marked = client.post("/api/duty/rooms/duty/empty-seat", headers=officer)
    assert marked.status_code == 200 and marked.json() == {"cameras": ["duty-cam"]}


def test_the_dashboard_state_has_rooms_cameras_and_open_incidents(
    make_services: Callable[..., Services], admin_headers_for: Login
) -> None:
    config = duty_config()
    yard = {"id": "cam3", "kind": "camera", "site": "shakeng", "name": "沙坑东", "source": "rtsp://10.0.0.9/s"}
    services, client, admin = admin_headers_for(make_services(**{**config, "devices": [*config["devices"], yard]}))
    # The protected-site camera watch recorded a tamper event with a snapshot, still open.
    shot = services.config.data_dir / "cameras" / "cam3-tamper.jpg"
    shot.parent.mkdir(parents=True, exist_ok=True)
    shot.write_bytes(b"\xff\xd8not-really-a-jpeg\xff\xd9")
    with services.db.unit_of_work() as s:
        CameraEventsRepository(s).insert(CameraEvent(
            event_key="cam3:tamper:1", camera_id="cam3", site_id="shakeng", kind="tamper", reason="covered",
            started_at=datetime(2026, 11, 23, 0, 10, tzinfo=UTC), snapshot_path="cameras/cam3-tamper.jpg",
        ))
    client.put("/api/duty/roster/duty/2026-11-23", json={"officers": ["d001"], "leaders": ["l001"]}, headers=admin)
    client.post("/api/observations", headers=admin, json={
        "kind": "camera_offline", "site_id": "duty", "subject": "duty-cam", "occurred_at": "2026-11-23T08:30:00+08:00",
        "summary": "值班摄像头值班桌离线",
    })
    state = client.get("/api/dashboard/state", headers=admin).json()
    assert state["server_time"] == "2026-11-23T08:30:00+08:00"  # the service clock, in the township's zone
    room = state["rooms"][0]
    assert (room["name"], room["officers"][0]["name"], room["presence"]["state"]) == ("苏木值班室", "张三", "unknown")
    cameras = {c["id"]: c for c in state["cameras"]}
    assert cameras["duty-cam"] == {
        "id": "duty-cam", "name": "值班桌", "kind": "duty_camera", "site_id": "duty", "site_name": "苏木值班室",
        "state": "offline", "text": "离线", "last_event": None, "warning": None,
        # its offline incident is open: the wall would show it live, but a desk camera is not a watched camera
        "active": True, "false_alarms": {"last_7_days": 0, "last_30_days": 0, "top_zone": None},
        "live": {"playable": False, "problem": "not_here", "viewers": 0, "warning": None, "text": "该摄像机不由本节点监看"},
    }
    yard_state = cameras["cam3"]
    assert (yard_state["state"], yard_state["text"], yard_state["site_name"]) == ("tamper", "遮挡/移位", "3号沙坑")
    event = yard_state["last_event"]
    assert event["text"] == "摄像机被遮挡" and event["at"] == "2026-11-23T08:10:00+08:00"
    assert client.get(event["snapshot"], headers=admin).content == shot.read_bytes()
    [incident] = state["incidents"]
    assert (incident["kind"], incident["status_text"], incident["site_name"]) == ("camera_offline", "待确认", "苏木值班室")
    assert client.get("/api/dashboard/state").status_code == 401
    assert client.get("/dashboard").status_code == 200 and "值班室大屏" in client.get("/dashboard").text
    assert client.get("/duty").status_code == 200


def test_roster_dates_are_validated_with_a_clear_error(
    make_services: Callable[..., Services], admin_headers_for: Login
) -> None:
    _, client, admin = setup(make_services, admin_headers_for)
    r = client.get("/api/duty/roster", params={"first": "2026-12-01", "last": "2026-11-01"}, headers=admin)
    assert (r.status_code, r.json()["detail"]["code"]) == (422, "bad_range")
    r = client.put("/api/duty/roster/duty/2026-02-30", json={}, headers=admin)
    assert r.status_code == 422 and r.json()["detail"]["code"] == "bad_request"
    assert date(2026, 11, 23)  # the fake clock's Monday
