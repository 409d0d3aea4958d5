"""Input that must be refused with the place named (issue 13, found by real peers): an observation
for a site that does not exist, and dates or moments written as Unix timestamps."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


def test_an_observation_for_an_unknown_site_is_refused_and_opens_nothing(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    body = {
        "kind": "motion",
        "site_id": "nowhere",
        "subject": "cam9",
        "occurred_at": "2026-11-23T08:30:00+08:00",
    }
    r = client.post("/api/observations", headers=admin_headers, json=body)
    assert r.status_code == 422, r.text  # was 201 with an incident for a site nobody is on call for
    detail = r.json()["detail"]
    assert (detail["code"], detail["site_id"], detail["message"]) == (
        "site_not_found",
        "nowhere",
        "地点不存在：nowhere",
    )
    assert client.get("/api/incidents", headers=admin_headers).json() == []
    body["site_id"] = "bayan"
    assert client.post("/api/observations", headers=admin_headers, json=body).status_code == 201


TIMESTAMPS = ["0.0", "0", "1700000000", "2026-11-23T00:00:00"]


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("GET", "/api/attendance/daily?date={}", "query.date"),
        ("GET", "/api/checkins?date={}", "query.date"),
        ("GET", "/api/checkins/by-village?date={}", "query.date"),
        ("GET", "/api/reports/daily?date={}", "query.date"),
        ("GET", "/api/duty/roster?first={}&last=2026-11-30", "query.first"),
        ("GET", "/api/duty/swaps?since={}", "query.since"),
        ("DELETE", "/api/attendance/calendar/{}", "path.day"),
    ],
)
def test_dates_are_iso_dates_only(
    client: TestClient, admin_headers: dict[str, str], method: str, path: str, field: str
) -> None:
    for value in TIMESTAMPS:
        r = client.request(method, path.format(value), headers=admin_headers)
        assert r.status_code == 422, (value, r.text)  # ?date=0.0 was the report of 1970-01-01
        [problem] = r.json()["detail"]["fields"]
        assert problem["field"] == field and "YYYY-MM-DD" in problem["problem"], problem
    if method == "GET":
        assert client.get(path.format("2026-11-23"), headers=admin_headers).status_code == 200


def test_a_swap_body_with_a_timestamp_for_a_day_is_refused(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    r = client.post(
        "/api/duty/swaps",
        headers=admin_headers,
        json={"room_id": "duty", "day": 0, "to_person": "c002", "reason": "x"},
    )
    assert r.status_code == 422
    assert "body.day" in [f["field"] for f in r.json()["detail"]["fields"]]


def test_moments_in_queries_are_iso_only(client: TestClient, admin_headers: dict[str, str]) -> None:
    r = client.get("/api/cameras/events", headers=admin_headers, params={"since": "0"})
    assert r.status_code == 422
    assert r.json()["detail"]["fields"][0]["field"] == "query.since"
    ok = client.get(
        "/api/cameras/events", headers=admin_headers, params={"since": "2026-11-23T08:00:00+08:00"}
    )
    assert ok.status_code == 200


@pytest.mark.parametrize("path", ["/api/plans?person=%00x", "/api/worklog/logs?person=a%00", "/api/people/p%00"])
def test_a_nul_byte_in_a_parameter_is_a_clear_422_not_a_server_error(
    client: TestClient, admin_headers: dict[str, str], path: str
) -> None:
    """The stateful fuzzer sent ?person=%00 on PostgreSQL, which cannot store NUL in text: a 500 before."""
    r = client.get(path, headers=admin_headers)
    assert r.status_code == 422, r.text
    assert r.json()["detail"]["code"] == "control_character" and "控制字符" in r.json()["detail"]["message"]
    assert client.get("/api/people/p001", headers=admin_headers).status_code in (200, 404)  # an ordinary id still goes through
