"""A person wholly on approved leave owes no work-log entry that day: no reminder, not 未写 in the
leaders' grid or the department's dynamics, and the day is not due in the completion the appraisal
sheet reads. Half a day of leave still owes the entry; leave not (yet) approved excuses nothing.
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from api.app import create_app
from tests.api.worklog_office import MONDAY, ORG, Office, open_office
from tests.conftest import FakeClock
from watchd.app import Services
from watchd.domain.worklog import OwnerKind
from watchd.services.auth import Principal


def leave(office: Office, person: str, start: str, end: str, *, approve: bool = True) -> None:
    r = office.client.post(
        "/api/leave",
        headers=office.as_(person),
        json={"kind": "personal", "start_at": start, "end_at": end, "reason": "家中有事"},
    )
    assert r.status_code == 201, r.text
    if approve:
        decided = office.client.post(
            f"/api/leave/{r.json()['id']}/approve", headers=office.as_("l001"), json={}
        )
        assert decided.status_code == 200, decided.text


def test_a_day_wholly_on_approved_leave_is_owed_by_nobody(
    make_services: Callable[..., Services], clock: FakeClock
) -> None:
    services = open_office(make_services, clock, worklog={"remind_at": "17:00"})
    with TestClient(create_app(services)) as client:
        check(Office(services, client, clock))


def check(office: Office) -> None:
    services = office.services
    office.at(MONDAY, "07:00")
    leave(office, "c002", "2026-11-23T00:00:00+08:00", "2026-11-24T00:00:00+08:00")  # all Monday
    leave(office, "c001", "2026-11-23T08:00:00+08:00", "2026-11-23T12:00:00+08:00")  # Monday morning only
    leave(office, "l001", "2026-11-23T00:00:00+08:00", "2026-11-24T00:00:00+08:00", approve=False)

    office.at(MONDAY, "17:01")
    reminded = {m.person_id for m in services.worklog.send_reminders()}
    assert "c002" not in reminded  # on leave all day
    assert {"c001", "l001"} <= reminded  # half a day of leave, and leave still pending, owe the entry

    status = office.client.get(
        "/api/worklog/status?from=2026-11-23&until=2026-11-24", headers=office.as_("l001")
    ).json()
    rows = {r["person_id"]: r for r in status}
    assert rows["c002"]["due"] == ["2026-11-24"] and rows["c002"]["missing"] == ["2026-11-24"]
    assert rows["c001"]["due"] == ["2026-11-23", "2026-11-24"]
    dynamics = office.client.get(
        f"/api/worklog/dynamics?organisation={ORG}&date=2026-11-23", headers=office.as_("l001")
    ).json()
    assert "c002" not in {m["person_id"] for m in dynamics["missing"]}
    assert "c001" in {m["person_id"] for m in dynamics["missing"]}

    office.at(MONDAY + timedelta(days=1), "18:00")
    me = Principal(9, "c002", "cadre")
    services.worklog.write(me, OwnerKind.person, "c002", MONDAY + timedelta(days=1), done="入户走访")
    services.worklog.write(
        me, OwnerKind.person, "c002", MONDAY, done="请假期间接了两个电话"
    )  # welcome, not owed
    assert services.worklog.completion(["c001", "c002"], MONDAY, MONDAY + timedelta(days=1)) == {
        "c001": (0, 2),
        "c002": (1, 1),
    }
    assert services.appraisal.worklog is not None
    assert services.appraisal.worklog.completion(["c002"], MONDAY, MONDAY + timedelta(days=1)) == {
        "c002": 1.0
    }
