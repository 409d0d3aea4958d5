"""Attendance through the API: the daily view, settlement, the holiday calendar, kiosk watermarks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fastapi.testclient import TestClient

from tests.helpers.clocks import FakeClock
from tests.watchd.attendance.office import MONDAY, open_office
from watchd.app import Services

AdminFor = Callable[[Services], tuple[Services, TestClient, dict[str, str]]]

TUESDAY = date(2026, 11, 24)


def test_daily_view_live_then_settled_with_chinese_labels(
    make_services: Callable[..., Services], admin_headers_for: AdminFor, clock: FakeClock
) -> None:
    office = open_office(make_services, admin_headers_for, clock)
    office.at(MONDAY, "10:00")
    office.punch("c001", MONDAY, "08:42")
    live = office.client.get("/api/attendance/daily", headers=office.admin, params={"date": "2026-11-23"}).json()
    rows = {r["person_id"]: r for r in live["records"]}
    assert live["settled"] is False and "未结算" in live["heading"]
    assert (rows["c001"]["status_label"], rows["c001"]["late_minutes"]) == ("迟到", 12)
    assert rows["c001"]["sessions"][0]["checkin_at"].startswith("2026-11-23T08:42:00+08:00")
    assert rows["c001"]["village_name"] == "巴音嘎查"
    assert rows["c002"]["status_label"] == "待定"

    office.at(TUESDAY, "01:00")
    settled = office.client.post("/api/attendance/settle", headers=office.admin).json()
    assert settled["settled"] == ["2026-11-23"]
    day = office.client.get("/api/attendance/daily", headers=office.admin, params={"date": "2026-11-23"}).json()
    rows = {r["person_id"]: r for r in day["records"]}
    assert day["settled"] is True
    assert (rows["c001"]["status_label"], rows["c002"]["status_label"]) == ("迟到、缺卡、半天缺勤", "缺勤")

    cadre = office.login("c001", "cadre")
    refused = office.client.get("/api/attendance/daily", headers=cadre)
    assert refused.status_code == 403 and refused.json()["detail"]["message"].startswith("没有权限：查看考勤报表")
    mine = office.client.get("/api/attendance/people/c001", headers=cadre, params={"month": "2026-11"}).json()
    assert [(d["day"], d["status"]) for d in mine] == [("2026-11-23", "present"), ("2026-11-24", "pending")]
    assert office.client.get("/api/attendance/people/c002", headers=cadre, params={"month": "2026-11"}).status_code == 403


def test_calendar_override_through_the_api_re_settles_the_day(
    make_services: Callable[..., Services], admin_headers_for: AdminFor, clock: FakeClock
) -> None:
    office = open_office(make_services, admin_headers_for, clock)
    office.at(TUESDAY, "01:00")
    office.client.post("/api/attendance/settle", headers=office.admin)
    put = office.client.put("/api/attendance/calendar/2026-11-23", headers=office.admin,
                            json={"workday": False, "name": "那达慕"})
    assert put.status_code == 200 and put.json()["kind_label"] == "节假日"
    day = office.client.get("/api/attendance/daily", headers=office.admin, params={"date": "2026-11-23"}).json()
    assert {r["status_label"] for r in day["records"]} == {"节假日"}
    special = office.client.get("/api/attendance/calendar", headers=office.admin, params={"year": 2026}).json()
    assert {"day": "2026-02-14", "kind": "adjusted_workday", "kind_label": "调休上班", "workday": True,
            "name": "春节", "source": "chinesecalendar"} in special
    assert any(d["day"] == "2026-11-23" and d["source"] == "override" for d in special)
    gone = office.client.delete("/api/attendance/calendar/2026-11-23", headers=office.admin)
    assert gone.json()["kind"] == "workday"
    again = office.client.delete("/api/attendance/calendar/2026-11-23", headers=office.admin)
    assert again.status_code == 404 and again.json()["detail"]["message"] == "该日期没有手工录入的节假日调整"


def test_kiosk_reports_its_queue_and_settlement_waits_for_it(
    make_services: Callable[..., Services], admin_headers_for: AdminFor, clock: FakeClock
) -> None:
    office = open_office(make_services, admin_headers_for, clock)
    kiosk = {"Authorization": f"Bearer {office.services.auth.issue_device_token('kiosk-bayan')}"}
    office.at(MONDAY, "18:30")
    r = office.client.post("/api/attendance/device-sync", headers=kiosk,
                           json={"pending": 3, "oldest_pending_at": "2026-11-23T08:05:00+08:00"})
    assert r.status_code == 200 and r.json()["reported_until"] == "2026-11-23T00:05:00Z"
    office.at(TUESDAY, "01:00")
    waiting = office.client.post("/api/attendance/settle", headers=office.admin).json()
    assert waiting["settled"] == [] and waiting["waiting_for"] == ["kiosk-bayan"]
    office.punch("c001", MONDAY, "08:05", "12:00", "14:30", "18:00")
    office.client.post("/api/attendance/device-sync", headers=kiosk, json={"pending": 0})
    assert office.client.post("/api/attendance/settle", headers=office.admin).json()["settled"] == ["2026-11-23"]
    marks = {m["device_id"]: m for m in office.client.get("/api/attendance/devices", headers=office.admin).json()}
    assert marks["kiosk-bayan"]["reported_until"] is not None and marks["kiosk-hure"]["reported_until"] is None
    bad = office.client.post("/api/attendance/device-sync", headers=kiosk, json={"pending": -1})
    assert bad.status_code == 422 and bad.json()["detail"]["fields"][0]["field"] == "body.pending"
