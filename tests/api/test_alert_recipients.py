"""An alert never goes to nobody: people an alert may need cannot be deleted, and when the one an
escalation step names cannot be reached, the next in the chain (principal leader, then the
administrator contacts of [notices]) is told and the administrator sees a notice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.helpers.clocks import FakeClock
from tests.watchd.duty.conftest import duty_config
from watchd.app import Services
from watchd.db.repositories.people import PeopleRepository

Login = Callable[[Services], tuple[Services, TestClient, dict[str, str]]]
ON_CALL = [{"leader": "l001", "principal": "p001"}]


def township(
    make_services: Callable[..., Services], login: Login, **duty: Any
) -> tuple[Services, TestClient, dict[str, str]]:
    """Leaders on call, a duty room covering the protected site 3号沙坑, c001 as administrator contact."""
    config = duty_config(**duty)
    return login(
        make_services(
            **config,
            alerts={"on_call": ON_CALL, "channels": [{"id": "console", "kind": "console"}]},
            notices={"contacts": ["c001"], "workdays_only": False},
        )
    )


def report_motion(client: TestClient, headers: dict[str, str], clock: FakeClock) -> dict[str, Any]:
    body = {
        "kind": "motion",
        "site_id": "shakeng",
        "subject": "cam3",
        "occurred_at": clock().isoformat(),
        "summary": "发现移动目标",
    }
    r = client.post("/api/observations", headers=headers, json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def recipients(client: TestClient, headers: dict[str, str], incident_id: int) -> list[str]:
    detail = client.get(f"/api/incidents/{incident_id}", headers=headers).json()
    return [n["recipient_name"] for n in detail["notifications"]]


def no_recipient_notices(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    return [n for n in client.get("/api/notices", headers=headers).json() if n["kind"] == "no_recipient"]


def test_people_an_alert_needs_cannot_be_deleted_and_the_answer_says_where(
    make_services: Callable[..., Services], admin_headers_for: Login
) -> None:
    _, client, admin = township(make_services, admin_headers_for)
    for day, officer in (("2026-11-20", "d002"), ("2026-11-25", "d001")):  # last week, and this Wednesday
        r = client.put(
            f"/api/duty/roster/duty/{day}", json={"officers": [officer], "leaders": ["l002"]}, headers=admin
        )
        assert r.status_code == 200, r.text

    refused = {
        "l001": (["alerts.on_call.0.leader"], "告警值班第1条的带班领导"),
        "p001": (
            ["alerts.on_call.0.principal", "duty.rooms.0.principal"],
            "告警值班第1条的主要领导、苏木值班室的主要领导",
        ),
        "c001": (["notices.contacts.0"], "维护提醒的管理员联系人"),
        "d001": (["roster:duty:2026-11-25:officer"], "2026-11-25 苏木值班室值班人员"),
        "l002": (["roster:duty:2026-11-25:leader"], "2026-11-25 苏木值班室带班领导"),
    }
    for person, (where, text) in refused.items():
        r = client.delete(f"/api/people/{person}", headers=admin)
        assert r.status_code == 409, (person, r.text)
        detail = r.json()["detail"]
        assert (detail["code"], detail["where"]) == ("person_on_call", where)
        assert detail["message"] == f"该人员仍需接收警情，不能删除：{text}。请先在配置或值班表中换人"
        assert client.get(f"/api/people/{person}", headers=admin).status_code == 200  # nothing was lost

    assert client.delete("/api/people/d002", headers=admin).status_code == 204  # only on a past shift
    assert client.get("/api/people/d002", headers=admin).status_code == 404


def test_a_rostered_leader_without_a_phone_the_principal_is_told_and_a_notice_raised(
    make_services: Callable[..., Services], admin_headers_for: Login, clock: FakeClock
) -> None:
    _, client, admin = township(make_services, admin_headers_for)
    new = {"id": "l009", "name": "敖登", "role": "leader"}  # no phone number
    assert client.post("/api/people", headers=admin, json=new).status_code == 201
    r = client.put(
        "/api/duty/roster/duty/2026-11-23", json={"officers": ["d001"], "leaders": ["l009"]}, headers=admin
    )
    assert r.status_code == 200, r.text

    outcome = report_motion(client, admin, clock)
    assert outcome["messages"] == 1  # was 0: the step found nobody and said so only in the log
    assert recipients(client, admin, outcome["incident_id"]) == ["巴雅尔"]  # the room's principal leader
    events = client.get(f"/api/incidents/{outcome['incident_id']}", headers=admin).json()["events"]
    assert ("fallback", "leader: 巴雅尔") in [(e["event"], e["detail"]) for e in events]
    [notice] = no_recipient_notices(client, admin)
    assert notice["subject"] == "shakeng:leader" and notice["kind_label"] == "警情无人可通知"
    assert notice["text"].startswith("3号沙坑的警情找不到有手机号的带班领导，已改发给巴雅尔。")


def test_when_the_on_call_leaders_phones_are_gone_the_administrator_contact_is_told(
    make_services: Callable[..., Services], admin_headers_for: Login, clock: FakeClock
) -> None:
    services, client, admin = township(make_services, admin_headers_for, rooms=[])
    # Phones removed behind watchd's back (a database edited by hand, or by a version before the
    # check that now refuses it through the API).
    with services.db.unit_of_work() as s:
        for pid in ("l001", "p001"):
            row = PeopleRepository(s).get(pid)
            assert row is not None
            row.phone = None

    outcome = report_motion(client, admin, clock)
    assert outcome["messages"] == 1
    assert recipients(client, admin, outcome["incident_id"]) == ["其其格"]  # [notices] contacts
    [notice] = no_recipient_notices(client, admin)
    assert notice["text"].startswith("3号沙坑的警情找不到有手机号的带班领导，已改发给其其格。")
