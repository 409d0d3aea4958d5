"""The daily work log through HTTP: an entry opens pre-filled from the day's records, is written once
per person and day, refuses a future day and another person's entry, keeps every replaced version in a
visible history, locks after `lock_days`; leaders see who wrote per day and week, comment, and read a
department's daily dynamics. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.api.worklog_office import FOREST, MONDAY, ORG, Office, local, open_office
from tests.conftest import FakeClock
from watchd.app import Services
from watchd.db.models import ReviewItem, SpotCheck
from watchd.services.auth import Principal
from watchd.services.visits import NewVisit

PAIRINGS = "干部编号,户编号,户主姓名,嘎查（村）\nc001,H001,敖登,巴音嘎查\n".encode()


@pytest.fixture
def office(make_services: Callable[..., Services], clock: FakeClock) -> Iterator[Office]:
    services = open_office(make_services, clock, worklog={"lock_days": 3})
    with TestClient(create_app(services)) as client:
        yield Office(services, client, clock)


def test_the_entry_opens_with_the_days_check_ins_visit_and_incident_and_is_written_once(
    office: Office,
) -> None:
    s = office.services
    s.visits.import_pairings("p.csv", PAIRINGS)
    office.at(MONDAY, "18:30")
    office.punch("c001", MONDAY, "08:21")
    office.punch("c001", MONDAY, "17:58")
    s.visits.record_visit(
        Principal(0, "admin", "admin"),
        NewVisit(
            person_id="c001", household_id="H001", visited_at=local(MONDAY, "10:30"), note="了解冬季取暖"
        ),
    )

    r = office.client.get("/api/worklog/entry", headers=office.as_("c001"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["day"] == "2026-11-23" and body["entry"] is None and body["writable"] is True
    assert body["suggested"] == [
        "考勤：08:21 在巴音嘎查签到，17:58 在巴音嘎查签退（共打卡2次）",
        "驻村：在巴音嘎查开展工作",
        "走访：10:30 走访敖登户，了解冬季取暖",
    ]

    r = office.write(
        "c001", MONDAY, "\n".join(body["suggested"]), problems="取暖煤价偏高", plan="整理走访台账"
    )
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 1 and r.json()["owner_name"] == "其其格"
    again = office.client.get("/api/worklog/entry", headers=office.as_("c001")).json()["entry"]
    assert again["problems"] == "取暖煤价偏高" and again["history"] == []


def test_a_future_day_another_person_and_an_empty_entry_are_refused_and_change_nothing(
    office: Office,
) -> None:
    office.at(MONDAY, "18:00")
    r = office.write("c001", MONDAY + timedelta(days=1), "明天的事")
    assert r.status_code == 422
    assert r.json()["detail"]["code"] == "worklog_future_day"
    assert r.json()["detail"]["message"] == "不能填写今天以后的工作日志"

    r = office.client.put(
        "/api/worklog/entry",
        headers=office.as_("c001"),
        json={"day": MONDAY.isoformat(), "done": "替他写", "person_id": "c002"},
    )
    assert r.status_code == 403 and r.json()["detail"]["message"] == "只能填写本人的工作日志"
    r = office.client.put(
        "/api/worklog/entry",
        headers=office.as_("l001"),
        json={"day": MONDAY.isoformat(), "done": "领导代写", "person_id": "c002"},
    )
    assert r.status_code == 403

    r = office.write("c001", MONDAY, "   ")
    assert r.status_code == 422 and r.json()["detail"]["code"] == "worklog_empty"
    r = office.client.get("/api/worklog/status?from=2026-11-23&until=2026-11-23", headers=office.as_("l001"))
    assert {row["person_id"]: row["written"] for row in r.json()} == {"c001": [], "c002": [], "l001": []}


def test_edits_keep_a_visible_history_and_the_day_locks_after_lock_days(office: Office) -> None:
    office.at(MONDAY, "18:00")
    assert office.write("c001", MONDAY, "上午开会").status_code == 200
    office.at(MONDAY + timedelta(days=2), "09:00")
    r = office.write("c001", MONDAY, "上午开会，下午入户走访")
    assert r.status_code == 200 and r.json()["version"] == 2
    history = r.json()["history"]
    assert [(h["version"], h["done"], h["replaced_by"]) for h in history] == [(1, "上午开会", "c001")]
    assert history[0]["written_at"].startswith("2026-11-23T18:00") and history[0]["replaced_at"].startswith(
        "2026-11-25T09:00"
    )

    # The leader reads the entry and its history.
    r = office.client.get("/api/worklog/entry?person=c001&date=2026-11-23", headers=office.as_("l001"))
    assert r.json()["entry"]["history"][0]["done"] == "上午开会"

    office.at(MONDAY + timedelta(days=3), "23:59")  # the last open day (lock_days = 3)
    assert office.write("c001", MONDAY, "上午开会，下午入户走访（补充）").status_code == 200
    office.at(MONDAY + timedelta(days=4), "00:01")
    r = office.write("c001", MONDAY, "改写")
    assert r.status_code == 409 and r.json()["detail"]["code"] == "worklog_locked"
    r = office.write("c002", MONDAY, "迟到的补写")  # no backfilling a missing day either
    assert r.status_code == 409
    entry = office.client.get("/api/worklog/entry?date=2026-11-23", headers=office.as_("c001")).json()
    assert entry["entry"]["done"] == "上午开会，下午入户走访（补充）" and entry["entry"]["locked"] is True
    assert entry["writable"] is False and len(entry["entry"]["history"]) == 2


def test_leaders_see_who_wrote_per_day_and_week_and_comment_on_their_organisation_only(
    office: Office,
) -> None:
    tuesday = MONDAY + timedelta(days=1)
    office.at(MONDAY, "18:00")
    office.write("c001", MONDAY, "周一工作")
    office.write("c003", MONDAY, "林业站巡山")
    office.at(tuesday, "18:00")
    office.write("c001", tuesday, "周二工作")
    office.write("c002", tuesday, "周二入户")
    office.at(date(2026, 11, 28), "10:00")  # Saturday

    week = office.client.get("/api/worklog/status", headers=office.as_("l001")).json()
    rows = {r["person_id"]: r for r in week}
    assert set(rows) == {"c001", "c002", "l001"}  # his organisation; the duty officer owes no log
    assert rows["c001"]["written"] == ["2026-11-23", "2026-11-24"]
    assert rows["c001"]["missing"] == ["2026-11-25", "2026-11-26", "2026-11-27"]
    assert len(rows["l001"]["due"]) == 5 and rows["l001"]["written"] == []
    day = office.client.get(
        "/api/worklog/status?from=2026-11-23&until=2026-11-23", headers=office.as_("l001")
    )
    assert {r["person_id"]: r["missing"] for r in day.json()} == {
        "c001": [],
        "c002": ["2026-11-23"],
        "l001": ["2026-11-23"],
    }
    r = office.client.get(f"/api/worklog/status?organisation={FOREST}", headers=office.as_("l001"))
    assert r.status_code == 403
    assert office.client.get("/api/worklog/status", headers=office.as_("c001")).status_code == 403

    log_id = office.client.get(
        "/api/worklog/entry?person=c001&date=2026-11-24", headers=office.as_("l001")
    ).json()["entry"]["id"]
    r = office.client.post(
        f"/api/worklog/entries/{log_id}/comments",
        headers=office.as_("l001"),
        json={"text": "走访情况要写具体户数"},
    )
    assert r.status_code == 201 and r.json()["author_name"] == "乌云"
    assert (
        office.client.post(
            f"/api/worklog/entries/{log_id}/comments", headers=office.as_("l002"), json={"text": "别的单位"}
        ).status_code
        == 403
    )
    assert office.client.get("/api/worklog/entry?person=c001", headers=office.as_("l002")).status_code == 403
    assert office.client.get("/api/worklog/entry?person=c002", headers=office.as_("c001")).status_code == 403
    mine = office.client.get("/api/worklog/entries", headers=office.as_("c001")).json()
    assert [(e["day"], [c["text"] for c in e["comments"]]) for e in mine] == [
        ("2026-11-23", []),
        ("2026-11-24", ["走访情况要写具体户数"]),
    ]


def test_a_departments_daily_dynamics_is_its_line_and_its_members_entries(office: Office) -> None:
    office.at(MONDAY, "18:00")
    office.write("c001", MONDAY, "整理材料")
    r = office.client.put(
        "/api/worklog/department",
        headers=office.as_("l001"),
        json={"day": MONDAY.isoformat(), "organisation": ORG, "line": "召开冬季防火部署会"},
    )
    assert r.status_code == 200, r.text
    r = office.client.put(
        "/api/worklog/department",
        headers=office.as_("l002"),
        json={"day": MONDAY.isoformat(), "organisation": ORG, "line": "越权"},
    )
    assert r.status_code == 403 and r.json()["detail"]["code"] == "worklog_not_your_department"

    d = office.client.get(
        f"/api/worklog/dynamics?organisation={ORG}&date=2026-11-23", headers=office.as_("c002")
    )
    assert d.status_code == 200, d.text
    body = d.json()
    assert body["line"]["done"] == "召开冬季防火部署会"
    assert [(m["owner_name"], m["done"]) for m in body["members"]] == [("其其格", "整理材料")]
    assert body["missing"] == [{"person_id": "c002", "name": "巴特尔"}, {"person_id": "l001", "name": "乌云"}]
    r = office.client.get(f"/api/worklog/dynamics?organisation={ORG}", headers=office.as_("c003"))
    assert r.status_code == 403


def test_the_entry_also_opens_with_the_days_video_verifications_and_spot_checks(office: Office) -> None:
    """A duty officer's day: a camera event judged a false alarm and a spot check answered on the screen."""
    office.at(MONDAY, "20:00")
    with office.services.db.unit_of_work() as s:
        s.add(ReviewItem(
            source_key="camera:7", kind="motion", site_id="bayan", camera_id="cam3", summary="3号沙坑 发现车辆",
            occurred_at=local(MONDAY, "02:10"), created_at=local(MONDAY, "02:10"), status="false_alarm",
            decided_by="c001", decided_at=local(MONDAY, "02:12"),
        ))
        s.add(SpotCheck(
            room_id="bayan", day=MONDAY, seq=1, channel="screen", status="answered", planned_at=local(MONDAY, "03:00"),
            issued_at=local(MONDAY, "03:00"), answered_at=local(MONDAY, "03:01"), answered_by="c001",
        ))
        s.add(SpotCheck(  # someone else's answer is not hers
            room_id="bayan", day=MONDAY, seq=2, channel="sms", status="answered", planned_at=local(MONDAY, "04:00"),
            issued_at=local(MONDAY, "04:00"), answered_at=local(MONDAY, "04:02"), answered_by="c002",
        ))
    body = office.client.get("/api/worklog/entry", headers=office.as_("c001")).json()
    assert body["suggested"] == [
        "视频复核：02:12 “3号沙坑 发现车辆”判定为误报",
        "查岗：03:01 经值班室屏幕应答（用时60秒）",
    ]
