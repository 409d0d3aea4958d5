"""Bugs schemathesis found (test_openapi_fuzz.py), each pinned by a focused test: bad input is a
4xx naming the field, never a 500."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

TOO_BIG = str(2**31)  # one past the largest row id PostgreSQL's INTEGER holds
HUGE = str(2**63)  # past any 64-bit integer


@pytest.mark.parametrize(("path", "field"), [
    (f"/api/incidents/{TOO_BIG}", "path.incident_id"),
    (f"/api/checkins/{TOO_BIG}/snapshot", "path.checkin_id"),
    (f"/api/cameras/events/{TOO_BIG}/clip", "path.event_id"),
    (f"/api/visits/{TOO_BIG}/photo", "path.visit_id"),
    (f"/api/leave/{HUGE}/cancel", "path.request_id"),
    ("/api/checkins?offset=" + HUGE, "query.offset"),
    ("/api/audit?offset=" + HUGE, "query.offset"),
    ("/api/incidents/0", "path.incident_id"),
])
def test_ids_past_64_bits_are_refused_with_the_field_named(
    client: TestClient, admin_headers: dict[str, str], path: str, field: str
) -> None:
    r = client.request("POST" if path.endswith("/cancel") else "GET", path, headers=admin_headers)
    assert r.status_code == 422, r.text  # was 500: OverflowError in the database driver
    assert [f["field"] for f in r.json()["detail"]["fields"]] == [field]
    assert r.json()["detail"]["message"] == "请求格式错误"


@pytest.mark.parametrize("month", ["0000-01", "9999-12", "1899-12"])
def test_months_the_calendar_cannot_hold_are_refused(client: TestClient, admin_headers: dict[str, str], month: str) -> None:
    for path in ("/api/reports/monthly", "/api/leave", "/api/visits", "/api/attendance/people/c001"):
        r = client.get(path, headers=admin_headers, params={"month": month})
        assert r.status_code == 422, (path, r.text)  # was 500: "year 0 is out of range"
        assert r.json()["detail"]["fields"][0]["field"] == "query.month"


def test_a_name_with_a_control_character_does_not_break_the_xlsx_report(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    body = {"id": "c009", "name": "娜\x07仁", "role": "cadre", "villages": ["hure"]}
    assert client.post("/api/people", headers=admin_headers, json=body).status_code == 201
    r = client.get("/api/reports/daily", headers=admin_headers, params={"format": "xlsx", "date": "2026-11-23"})
    assert r.status_code == 200  # was 500: openpyxl IllegalCharacterError
    sheet = load_workbook(io.BytesIO(r.content)).worksheets[0]
    names = {c.value for row in sheet.iter_rows() for c in row}
    assert "娜仁" in names


def test_the_documented_422_is_the_problem_body_the_api_sends(client: TestClient, admin_headers: dict[str, str]) -> None:
    spec = client.get("/openapi.json").json()
    documented = spec["components"]["schemas"]["HTTPValidationError"]
    detail = spec["components"]["schemas"]["ProblemDetail"]
    assert documented["properties"]["detail"]["$ref"] == "#/components/schemas/ProblemDetail"
    assert {"code", "message"} <= set(detail["required"])
    sent = client.get("/api/incidents/x", headers=admin_headers).json()["detail"]
    assert set(sent) <= set(detail["properties"]) and sent["code"] == "bad_request"


def test_a_wrong_password_is_a_documented_401(client: TestClient) -> None:
    """Found by bench/fuzz.py against `make run`: the open login route answered an undocumented 401."""
    r = client.post("/api/auth/login", json={"username": "admin", "password": "not-the-password"})
    assert r.status_code == 401 and r.json()["detail"]["code"] == "bad_credentials"
    documented = client.get("/openapi.json").json()["paths"]["/api/auth/login"]["post"]["responses"]
    assert "401" in documented and "content" in documented["401"]
