"""Role-based access: every route names one permission, and the role matrix alone decides who passes.

The expectations come from the declared matrix (watchd/services/permissions.py), not from a copy
of it: each route is called with a token of each role; a role without the route's permission gets
403 `forbidden` naming the permission, with a Chinese message; a role with it gets past the check.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from watchd.app import Services
from watchd.services.permissions import GRANTS, LABELS, Permission, allows, roles_with

PASSWORD = "a-long-password"
#: Logins without a permission of their own: the public ones, the kiosk's, logging out, who am I.
NO_PERMISSION = {
    ("get", "/healthz"), ("post", "/api/auth/login"), ("post", "/api/auth/logout"), ("get", "/api/auth/me"),
    ("get", "/api/kiosk/me"), ("post", "/api/kiosk/checkins"), ("post", "/api/attendance/device-sync"),
    ("get", "/metrics"),  # Prometheus: an address allow-list or its own token (tests/api/test_health_metrics.py)
}
FILL = {
    "{person_id}": "c001", "{device_id}": "kiosk-bayan", "{device_user}": "1", "{day}": "2026-11-23",
    "{room_id}": "office-room",
}
#: Never ends while the role may read it (an SSE stream): only refusals are checked.
ENDLESS = {"/api/dashboard/stream"}


def login(services: Services, client: TestClient, role: str) -> dict[str, str]:
    """A login for the role; the cadre's username is person c001, so the cadre acts as that person."""
    if role == "admin":
        password = services.auth.ensure_first_admin() or ""
        username = "admin"
    else:
        username, password = {"leader": "leader1", "duty_officer": "duty1", "cadre": "c001"}[role], PASSWORD
        services.auth.add_user(username, password, role)
    r = client.post("/api/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def url_for(path: str) -> str:
    for key, value in FILL.items():
        path = path.replace(key, value)
    return re.sub(r"\{[^}]+\}", "1", path)  # the remaining parameters are row ids


def operations(client: TestClient) -> list[tuple[str, str, dict[str, object]]]:
    paths = client.get("/openapi.json").json()["paths"]
    return [(method, path, op) for path, ops in paths.items() for method, op in ops.items()]


def test_every_route_declares_one_permission(client: TestClient) -> None:
    ops = operations(client)
    missing = [
        (m, p) for m, p, op in ops
        if "x-permission" not in op and (m, p) not in NO_PERMISSION
        and not p.startswith(("/iclock/", "/api/alerts/callbacks/"))  # own secret in the URL or protocol
    ]
    assert missing == []
    declared = {op["x-permission"] for _, _, op in ops if "x-permission" in op}
    assert declared == {p.value for p in Permission}  # no permission is dead weight
    for _, _, op in ops:
        if "x-permission" in op:
            assert op["x-roles"] == roles_with(Permission(op["x-permission"]))


def test_each_role_gets_exactly_what_the_matrix_grants(services: Services, client: TestClient) -> None:
    tokens = {role: login(services, client, role) for role in GRANTS}
    checked = 0
    # Admin last: its calls really run (and may delete c001), so the others see the data first.
    for role in sorted(GRANTS, key=lambda r: r == "admin"):
        for method, path, op in operations(client):
            if "x-permission" not in op:
                continue
            permission = Permission(op["x-permission"])
            if allows(role, permission) and path in ENDLESS:
                continue
            r = client.request(method.upper(), url_for(path), headers=tokens[role])
            body = r.json() if r.headers.get("content-type", "").startswith("application/json") else None
            detail = body.get("detail") if isinstance(body, dict) else None
            refused = r.status_code == 403 and isinstance(detail, dict) and detail.get("permission") == permission.value
            if allows(role, permission):
                assert not refused, (role, method, path)
                assert r.status_code != 401, (role, method, path)
            else:
                assert refused, (role, method, path, r.status_code, r.text[:200])
                assert isinstance(detail, dict) and detail["code"] == "forbidden"
                assert LABELS[permission] in detail["message"]
            checked += 1
    assert checked > 4 * 60


def test_refusal_says_in_chinese_what_is_missing(services: Services, client: TestClient) -> None:
    headers = login(services, client, "cadre")
    r = client.get("/api/people", headers=headers)
    assert r.status_code == 403
    assert r.json()["detail"]["message"] == "没有权限：查看人员名单（当前账号角色：干部）"
    assert client.get("/api/attendance/people/c001", params={"month": "2026-11"}, headers=headers).status_code == 200
    # the cadre's own days only: someone else's are refused by the row-level rule
    assert client.get("/api/attendance/people/c002", params={"month": "2026-11"}, headers=headers).status_code == 403


def test_biometric_data_is_for_administrators_only(services: Services, client: TestClient) -> None:
    for role in ("leader", "duty_officer", "cadre"):
        headers = login(services, client, role)
        for method, path in (
            ("POST", "/api/people/c001/faces"), ("DELETE", "/api/people/c001/faces"),
            ("GET", "/api/people/c001/biometrics/export"), ("DELETE", "/api/people/c001/biometrics"),
        ):
            r = client.request(method, path, headers=headers)
            assert r.status_code == 403, (role, method, path)
            assert r.json()["detail"]["permission"] == "biometrics.manage"


def test_check_in_snapshots_are_for_administrators_and_leaders(services: Services, client: TestClient) -> None:
    assert roles_with(Permission.checkin_snapshots_read) == ["admin", "leader"]
    expected = {"admin": 404, "leader": 404, "duty_officer": 403, "cadre": 403}  # 404: no such check-in
    for role, status in expected.items():
        r = client.get("/api/checkins/1/snapshot", headers=login(services, client, role))
        assert r.status_code == status, role


def test_the_documented_matrix_is_the_declared_one() -> None:
    roles = list(GRANTS)
    lines = ["| permission | " + " | ".join(roles) + " |", "|---|" + "---|" * len(roles)] + [
        f"| `{p.value}` {LABELS[p]} | " + " | ".join("✓" if p in GRANTS[r] else "" for r in roles) + " |"
        for p in Permission
    ]
    assert "\n".join(lines) in (Path(__file__).parents[2] / "docs" / "access.md").read_text(encoding="utf-8")
