"""Leave and make-up punches through the API: a cadre files, the leader approves, the day changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fastapi.testclient import TestClient

from tests.helpers.clocks import FakeClock
from tests.watchd.attendance.office import MONDAY, open_office
from watchd.app import Services

TUESDAY = date(2026, 11, 24)


def test_cadre_requests_leave_and_a_make_up_punch_the_leader_approves_both(
    make_services: Callable[..., Services], admin_headers_for: Callable[[Services], tuple[Services, TestClient, dict[str, str]]],
    clock: FakeClock,
) -> None:
    office = open_office(make_services, admin_headers_for, clock)
    api = office.client
    cadre, leader = office.login("c001", "cadre"), office.login("l001", "leader")
    office.at(MONDAY, "19:00")
    office.punch("c001", MONDAY, "08:29", "14:29", "18:01")  # no check-out at noon

    leave = api.post("/api/leave", headers=cadre, json={
        "kind": "sick", "start_at": "2026-11-24T00:00:00+08:00", "end_at": "2026-11-24T12:00:00+08:00",
        "reason": "看病"})
    assert leave.status_code == 201, leave.text
    assert (leave.json()["kind_label"], leave.json()["status_label"]) == ("病假", "待审批")
    overlap = api.post("/api/leave", headers=cadre, json={
        "kind": "personal", "start_at": "2026-11-24T10:00:00+08:00", "end_at": "2026-11-24T18:00:00+08:00",
        "reason": "办事"})
    assert overlap.status_code == 409 and overlap.json()["detail"]["message"] == "这段时间已有请假申请"
    backwards = api.post("/api/leave", headers=cadre, json={
        "kind": "annual", "start_at": "2026-11-26T10:00:00+08:00", "end_at": "2026-11-26T08:00:00+08:00",
        "reason": "探亲"})
    assert backwards.json()["detail"]["message"] == "请假结束时间必须晚于开始时间"
    other = api.post("/api/leave", headers=cadre, json={
        "person_id": "c002", "kind": "annual", "start_at": "2026-11-26T00:00:00+08:00",
        "end_at": "2026-11-27T00:00:00+08:00", "reason": "代请"})
    assert other.status_code == 403

    makeup = api.post("/api/makeups", headers=cadre, json={
        "punch_at": "2026-11-23T12:00:00+08:00", "site_id": "bayan", "reason": "签到机断电"})
    assert makeup.status_code == 201
    capped = api.post("/api/makeups", headers=cadre, json={"punch_at": "2026-11-23T08:00:00+08:00", "reason": "忘记"})
    assert capped.status_code == 409 and capped.json()["detail"]["message"] == "本月补卡次数已用完"

    assert api.post(f"/api/leave/{leave.json()['id']}/approve", headers=cadre, json={}).json()["detail"]["message"] \
        == "没有权限：审批请假与补卡（当前账号角色：干部）"
    pending = api.get("/api/leave", headers=leader, params={"status": "pending"}).json()
    assert [r["person_name"] for r in pending] == ["其其格"]
    assert api.post(f"/api/leave/{leave.json()['id']}/approve", headers=leader, json={"note": "注意身体"}).json()[
        "status_label"] == "已批准"
    assert api.post(f"/api/makeups/{makeup.json()['id']}/approve", headers=leader, json={}).json()["status"] == "approved"

    office.at(date(2026, 11, 25), "01:00")
    api.post("/api/attendance/settle", headers=office.admin)
    month = {d["day"]: d for d in api.get("/api/attendance/people/c001", headers=cadre,
                                          params={"month": "2026-11"}).json()}
    assert (month["2026-11-23"]["status_label"], month["2026-11-23"]["missing_punches"]) == ("出勤", 0)
    assert month["2026-11-24"]["leave"] == {"sick": 0.5}
    assert month["2026-11-24"]["status_label"] == "请假、缺勤"  # on leave in the morning, absent in the afternoon
    mine = api.get("/api/leave", headers=cadre).json()
    assert [(r["kind"], r["decision_note"]) for r in mine] == [("sick", "注意身体")]
    cancelled = api.post(f"/api/leave/{leave.json()['id']}/cancel", headers=cadre)
    assert cancelled.json()["status_label"] == "已撤销"
    after = {d["day"]: d for d in api.get("/api/attendance/people/c001", headers=cadre,
                                          params={"month": "2026-11"}).json()}
    assert after["2026-11-24"]["status"] == "absent" and after["2026-11-24"]["leave"] == {}
