"""A second decision on a request that is no longer pending (leave, make-up punch 补卡, duty swap) is
a 409 with the usual error body naming the request's current state, never a 500."""

from __future__ import annotations

from collections.abc import Callable

from httpx import Response

from tests.api.test_duty_api import Login, login_as, setup
from tests.helpers.clocks import FakeClock
from tests.watchd.attendance.office import MONDAY, open_office
from watchd.app import Services


def assert_already(r: Response, code: str, state: str, text: str) -> None:
    assert r.status_code == 409, r.text  # was 500: the state collided with the problem builder's `status`
    detail = r.json()["detail"]
    assert (detail["code"], detail["state"]) == (code, state)
    assert detail["message"].endswith(f"（当前状态：{text}）"), detail["message"]


def test_deciding_a_decided_leave_or_make_up_again_is_a_409_naming_its_state(
    make_services: Callable[..., Services], admin_headers_for: Login, clock: FakeClock
) -> None:
    office = open_office(make_services, admin_headers_for, clock)
    api, cadre, leader = office.client, office.login("c001", "cadre"), office.login("l001", "leader")
    office.at(MONDAY, "19:00")
    leave = api.post(
        "/api/leave",
        headers=cadre,
        json={
            "kind": "sick",
            "start_at": "2026-11-24T00:00:00+08:00",
            "end_at": "2026-11-24T12:00:00+08:00",
            "reason": "看病",
        },
    ).json()
    makeup = api.post(
        "/api/makeups",
        headers=cadre,
        json={"punch_at": "2026-11-23T12:00:00+08:00", "site_id": "bayan", "reason": "签到机断电"},
    ).json()
    assert api.post(f"/api/leave/{leave['id']}/approve", headers=leader, json={}).status_code == 200
    assert api.post(f"/api/makeups/{makeup['id']}/reject", headers=leader, json={}).status_code == 200

    assert_already(
        api.post(f"/api/leave/{leave['id']}/reject", headers=leader, json={}),
        "already_decided",
        "approved",
        "已批准",
    )
    assert_already(
        api.post(f"/api/makeups/{makeup['id']}/approve", headers=leader, json={}),
        "already_decided",
        "rejected",
        "已驳回",
    )
    assert api.post(f"/api/leave/{leave['id']}/cancel", headers=cadre).status_code == 200
    assert_already(
        api.post(f"/api/leave/{leave['id']}/cancel", headers=cadre), "already_decided", "cancelled", "已撤销"
    )
    mine = api.get("/api/leave", headers=cadre).json()
    assert [r["status"] for r in mine] == ["cancelled"]  # the refused second decision changed nothing


def test_deciding_a_decided_swap_again_is_a_409_naming_its_state(
    make_services: Callable[..., Services], admin_headers_for: Login
) -> None:
    services, client, admin = setup(make_services, admin_headers_for)
    for day, who in (("2026-11-27", "d001"), ("2026-11-28", "d002")):
        client.put(
            f"/api/duty/roster/duty/{day}", json={"officers": [who], "leaders": ["l002"]}, headers=admin
        )
    officer = login_as(services, client, "d001", "duty_officer")
    lead = login_as(services, client, "l001", "leader")
    swap = client.post(
        "/api/duty/swaps",
        json={
            "room_id": "duty",
            "day": "2026-11-27",
            "to_person": "d002",
            "back_day": "2026-11-28",
            "reason": "孩子生病",
        },
        headers=officer,
    ).json()
    assert client.post(f"/api/duty/swaps/{swap['id']}/approve", json={}, headers=lead).status_code == 200
    assert_already(
        client.post(f"/api/duty/swaps/{swap['id']}/reject", json={}, headers=lead),
        "swap_already_decided",
        "approved",
        "已批准",
    )
    assert_already(
        client.post(f"/api/duty/swaps/{swap['id']}/cancel", headers=officer),
        "swap_already_decided",
        "approved",
        "已批准",
    )
