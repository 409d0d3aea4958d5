"""Access: every data endpoint needs a login or a kiosk token; a kiosk token opens only kiosk endpoints."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.helpers.clocks import FakeClock
from watchd.app import Services

ADMIN_ROUTES = [
    ("GET", "/api/people"),
    ("POST", "/api/people"),
    ("GET", "/api/people/c001"),
    ("DELETE", "/api/people/c001"),
    ("POST", "/api/people/c001/faces"),
    ("DELETE", "/api/people/c001/faces"),
    ("GET", "/api/checkins"),
    ("GET", "/api/checkins/by-village"),
    ("GET", "/api/checkins/1/snapshot"),
    ("GET", "/api/sites"),
    ("GET", "/api/devices"),
    ("GET", "/api/audit"),
    ("POST", "/api/devices/kiosk-bayan/token"),
]


def test_every_data_route_refuses_anonymous_callers(client: TestClient) -> None:
    for method, path in [*ADMIN_ROUTES, ("GET", "/api/kiosk/me"), ("POST", "/api/kiosk/checkins")]:
        r = client.request(method, path)
        assert r.status_code == 401, (method, path, r.status_code)
        assert r.json()["detail"]["message"]  # Chinese text for the user


def test_openapi_lists_no_unprotected_data_route(client: TestClient) -> None:
    """Walk every route: without credentials, each is refused.

    Routes that carry their own secret in the URL (signed acknowledge links, provider callbacks)
    or authenticate devices by protocol (ZKTeco ADMS) must refuse a made-up one; all others want a
    bearer token (401).
    """
    paths = client.get("/openapi.json").json()["paths"]
    public = {"/healthz", "/api/auth/login"}
    fill = {"{person_id}": "c001", "{checkin_id}": "1", "{device_id}": "kiosk-bayan"}
    for path, ops in paths.items():
        if path in public:
            continue
        url = path
        for k, v in fill.items():
            url = url.replace(k, v)
        url = re.sub(r"\{[^}]+\}", "made-up", url)
        capability = ("made-up" in url and ("token" in path or "signature" in path)) or path.startswith("/iclock")
        if path == "/metrics":  # by address (default: this machine only) or scrape token
            assert client.get(path).status_code == 403
            continue
        for method in ops:
            r = client.request(method.upper(), url)
            if capability:
                assert r.status_code in (400, 401, 403, 404), (method, path, r.status_code)
            else:
                assert r.status_code == 401, (method, path, r.status_code)


def test_login_gives_a_token_that_expires(services: Services, client: TestClient, clock: FakeClock) -> None:
    password = services.auth.ensure_first_admin()
    assert password and services.auth.ensure_first_admin() is None  # shown once only
    assert client.post("/api/auth/login", json={"username": "admin", "password": "wrong"}).status_code == 401
    r = client.post("/api/auth/login", json={"username": "admin", "password": password})
    headers = {"Authorization": f"Bearer {r.json()['token']}"}
    assert client.get("/api/people", headers=headers).status_code == 200
    clock.advance(hours=13)
    assert client.get("/api/people", headers=headers).status_code == 401


def test_logout_revokes_the_token(client: TestClient, admin_headers: dict[str, str]) -> None:
    assert client.post("/api/auth/logout", headers=admin_headers).status_code == 204
    assert client.get("/api/people", headers=admin_headers).status_code == 401


def test_kiosk_token_opens_only_the_kiosk(client: TestClient, kiosk_headers: dict[str, str]) -> None:
    me = client.get("/api/kiosk/me", headers=kiosk_headers)
    assert me.status_code == 200
    assert me.json()["site_name"] == "巴音嘎查"
    assert client.get("/api/people", headers=kiosk_headers).status_code == 401
    assert client.get("/api/kiosk/me", headers={"Authorization": "Bearer not-a-token"}).status_code == 401


def test_reissuing_a_kiosk_token_revokes_the_old_one(
    client: TestClient, services: Services, admin_headers: dict[str, str], kiosk_headers: dict[str, str]
) -> None:
    r = client.post("/api/devices/kiosk-bayan/token", headers=admin_headers)
    assert r.status_code == 201 and r.json()["kiosk_url"].endswith(r.json()["token"])
    assert client.get("/api/kiosk/me", headers=kiosk_headers).status_code == 401
    fresh = {"Authorization": f"Bearer {r.json()['token']}"}
    assert client.get("/api/kiosk/me", headers=fresh).status_code == 200


def test_device_list_shows_which_kiosks_have_a_token(
    client: TestClient, admin_headers: dict[str, str], kiosk_headers: dict[str, str]
) -> None:
    rows = {d["id"]: d for d in client.get("/api/devices", headers=admin_headers).json()}
    assert rows["kiosk-bayan"]["has_token"] is True and rows["kiosk-hure"]["has_token"] is False
    assert rows["kiosk-bayan"]["site_name"] == "巴音嘎查"
    assert "token" not in rows["kiosk-bayan"]


def test_tokens_are_not_stored_in_clear(services: Services, kiosk_headers: dict[str, str]) -> None:
    token = kiosk_headers["Authorization"].split()[1]
    from sqlalchemy import text

    with services.db.read() as s:
        dumped = " ".join(str(v) for row in s.execute(text("SELECT * FROM devices")) for v in row)
    assert token not in dumped


def test_non_admin_cannot_change_people(services: Services, client: TestClient) -> None:
    services.auth.add_user("leader1", "a-long-password", "leader")
    token = client.post("/api/auth/login", json={"username": "leader1", "password": "a-long-password"}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/people", headers=headers).status_code == 200
    r = client.delete("/api/people/c001", headers=headers)
    assert r.status_code == 403 and r.json()["detail"]["code"] == "forbidden"


def test_changes_are_in_the_audit_log_with_who_did_them(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    body = {"id": "c009", "name": "娜仁", "role": "cadre", "villages": ["hure"]}
    assert client.post("/api/people", headers=admin_headers, json=body).status_code == 201
    assert client.post("/api/devices/kiosk-hure/token", headers=admin_headers).status_code == 201
    assert client.delete("/api/people/c009", headers=admin_headers).status_code == 204
    log = client.get("/api/audit", headers=admin_headers).json()
    assert [(e["actor"], e["action"], e["target_id"]) for e in log] == [
        ("user:admin", "person.delete", "c009"),
        ("user:admin", "device.token", "kiosk-hure"),
        ("user:admin", "person.create", "c009"),
    ]
    assert all(e["at"].endswith("+08:00") for e in log)
    only_c009 = client.get("/api/audit", headers=admin_headers, params={"target_id": "c009"}).json()
    assert len(only_c009) == 2
