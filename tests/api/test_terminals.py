"""The terminals API: state, probing, the device-user mapping, unknown users, quarantined punches."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fakes.zkteco_device import FakeZKDevice
from tests.watchd.punches.conftest import punch
from watchd.app import Services

Admin = Callable[[Services], tuple[Services, TestClient, dict[str, str]]]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def zk() -> Iterator[FakeZKDevice]:
    with FakeZKDevice(serial="ZKBAYAN01") as dev:
        yield dev


@pytest.fixture
def api(make_services: Callable[..., Services], admin_headers_for: Admin, zk: FakeZKDevice) -> tuple[Services, TestClient, dict[str, str]]:
    devices: list[dict[str, Any]] = [
        {"id": "zk-bayan", "kind": "zkteco", "site": "bayan", "host": "127.0.0.1", "port": zk.tcp_port, "timeout_s": 1},
        {"id": "zk-dead", "kind": "zkteco", "site": "hure", "host": "127.0.0.1", "port": closed_port(), "timeout_s": 0.5},
        {"id": "adms-hure", "kind": "zkteco_adms", "site": "hure", "serial": "ADMS0001"},
    ]
    return admin_headers_for(make_services(devices=devices))


def leader_headers(services: Services, client: TestClient) -> dict[str, str]:
    services.auth.add_user("wuyun", "a-long-password", "leader")
    token = client.post("/api/auth/login", json={"username": "wuyun", "password": "a-long-password"}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def test_probe_shows_identity_and_clock_skew(api: tuple[Services, TestClient, dict[str, str]], zk: FakeZKDevice) -> None:
    _services, client, headers = api
    zk.clock_offset = timedelta(minutes=-5)
    r = client.post("/api/terminals/zk-bayan/probe", headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["serial"], body["model"], body["firmware"]) == ("ZKBAYAN01", "SpeedFace-V5L", "Ver 6.60 Apr 28 2016")
    assert body["clock"].endswith("+08:00")
    listed = {t["device_id"]: t for t in client.get("/api/terminals", headers=headers).json()}
    assert set(listed) == {"zk-bayan", "zk-dead", "adms-hure"}
    assert listed["zk-bayan"]["serial"] == "ZKBAYAN01"
    assert listed["zk-bayan"]["clock_skew_seconds"] == body["clock_skew_seconds"]


def test_probe_failures_are_clear(api: tuple[Services, TestClient, dict[str, str]]) -> None:
    _services, client, headers = api
    r = client.post("/api/terminals/zk-dead/probe", headers=headers)
    assert r.status_code == 502
    detail = r.json()["detail"]
    assert detail["code"] == "device_unreachable"
    assert detail["message"] == "终端无法连接或没有应答，请检查网络和终端地址"
    assert "cannot connect" in detail["reason"]
    r = client.post("/api/terminals/adms-hure/probe", headers=headers)
    assert (r.status_code, r.json()["detail"]["code"]) == (422, "probe_unsupported")
    assert client.post("/api/terminals/kiosk-x/probe", headers=headers).status_code == 404


def test_unknown_users_are_listed_and_mapped_through_the_api(api: tuple[Services, TestClient, dict[str, str]]) -> None:
    services, client, headers = api
    services.punches.ingest("zk-bayan", [punch("1001", "2026-11-23 08:02:00", name="乌云"), punch("1001", "2026-11-23 08:25:00")])
    unknown = client.get("/api/terminals/unknown-users", headers=headers).json()
    assert unknown == [
        {"device_id": "zk-bayan", "device_user": "1001", "user_name": "乌云", "punches": 2,
         "first_time": "2026-11-23 08:02:00", "last_time": "2026-11-23 08:25:00"}
    ]
    r = client.put("/api/terminals/mappings/zk-bayan/1001", json={"person_id": "c001"}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["recounted"] == 2
    assert r.json()["mapping"]["person_name"] == "其其格"
    assert r.json()["message"].startswith("已保存")
    assert client.get("/api/terminals/unknown-users", headers=headers).json() == []
    checkins = client.get("/api/checkins", headers=headers).json()
    assert sorted(c["occurred_at"] for c in checkins) == ["2026-11-23T08:02:00+08:00", "2026-11-23T08:25:00+08:00"]
    assert client.get("/api/terminals/mappings", headers=headers).json()[0]["device_user"] == "1001"
    assert client.delete("/api/terminals/mappings/zk-bayan/1001", headers=headers).status_code == 204
    gone = client.delete("/api/terminals/mappings/zk-bayan/1001", headers=headers)
    assert (gone.status_code, gone.json()["detail"]["message"]) == (404, "没有这条终端用户对应关系")


def test_ignore_and_bad_mapping_requests(api: tuple[Services, TestClient, dict[str, str]]) -> None:
    _services, client, headers = api
    r = client.put("/api/terminals/mappings/*/9999", json={"ignore": True}, headers=headers)
    assert r.status_code == 200 and r.json()["mapping"]["ignored"] is True
    both = client.put("/api/terminals/mappings/*/9999", json={"ignore": True, "person_id": "c001"}, headers=headers)
    assert both.status_code == 422 and both.json()["detail"]["code"] == "bad_request"
    nobody = client.put("/api/terminals/mappings/zk-bayan/1", json={"person_id": "nobody"}, headers=headers)
    assert (nobody.status_code, nobody.json()["detail"]["code"]) == (404, "person_not_found")


def test_quarantined_punches_are_reviewed_and_released(api: tuple[Services, TestClient, dict[str, str]]) -> None:
    services, client, headers = api
    services.punches.ingest("zk-bayan", [punch("c001", "2000-01-01 00:01:00"), punch("c001", "2026-08-20 08:00:00")])
    rows = client.get("/api/terminals/punches", params={"state": "quarantined"}, headers=headers).json()
    texts = {r["reason"]: r["reason_text"] for r in rows}
    assert texts["clock_reset"].startswith("终端时钟被重置")
    assert texts["too_old"].startswith("打卡时间过早")
    old = next(r for r in rows if r["reason"] == "too_old")
    released = client.post(f"/api/terminals/punches/{old['id']}/release", headers=headers).json()
    assert (released["state"], released["reason"]) == ("counted", "released")
    assert released["checkin_id"] is not None
    again = client.post(f"/api/terminals/punches/{old['id']}/release", headers=headers)
    assert (again.status_code, again.json()["detail"]["code"]) == (409, "not_quarantined")
    assert client.get("/api/terminals/punches", params={"state": "lost"}, headers=headers).status_code == 422


def test_only_admins_change_things(api: tuple[Services, TestClient, dict[str, str]]) -> None:
    services, client, _headers = api
    leader = leader_headers(services, client)
    assert client.get("/api/terminals", headers=leader).status_code == 200
    assert client.get("/api/terminals/unknown-users", headers=leader).status_code == 200
    assert client.put("/api/terminals/mappings/*/1", json={"person_id": "c001"}, headers=leader).status_code == 403
    assert client.post("/api/terminals/zk-bayan/probe", headers=leader).status_code == 403
    assert client.get("/api/terminals/punches", headers=leader).status_code == 403
    assert client.get("/api/terminals").status_code == 401
