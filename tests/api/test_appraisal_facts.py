"""The appraisal sheet's attendance facts (village days, allowance, late count, absent days) are the
monthly report's for the same days, whether a day is settled (summed by the database) or still live."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.helpers.clocks import FakeClock
from tests.watchd.attendance.office import MONDAY, open_office
from watchd.app import Services

FACTS = ("驻村（天）", "驻村补助（元）", "迟到（次）", "缺勤（天）")


def rows_by_id(table: dict[str, Any]) -> dict[str, dict[str, Any]]:
    headers = [c["header"] for c in table["columns"]]
    return {row[2]: dict(zip(headers, row, strict=True)) for row in table["rows"]}


def test_the_sheet_counts_settled_and_live_days_as_the_monthly_report_does(
    make_services: Callable[..., Services],
    admin_headers_for: Callable[[Services], tuple[Services, TestClient, dict[str, str]]],
    clock: FakeClock,
) -> None:
    office = open_office(make_services, admin_headers_for, clock)
    api, admin = office.client, office.admin
    tuesday = MONDAY + timedelta(days=1)
    office.at(MONDAY, "19:00")
    office.punch(
        "c001", MONDAY, "08:20", "12:01", "14:40", "18:02"
    )  # in the village, 10 minutes late after noon
    office.at(tuesday, "01:00")
    assert api.post("/api/attendance/settle", headers=admin).status_code == 200  # Monday settled
    office.at(tuesday, "19:00")
    office.punch("c001", tuesday, "08:20", "12:01")  # Tuesday live: the afternoon missed
    now = clock.now
    r = api.post(
        "/api/appraisal/rounds",
        headers=admin,
        json={
            "name": "2026年11月",
            "period_start": "2026-11-01",
            "period_end": "2026-11-30",
            "opens_at": (now - timedelta(hours=1)).isoformat(),
            "closes_at": (now + timedelta(days=7)).isoformat(),
        },
    )
    assert r.status_code == 201, r.text
    sheet = api.get(f"/api/appraisal/rounds/{r.json()['id']}/sheet", headers=admin)
    assert sheet.status_code == 200, sheet.text
    appraised = rows_by_id(sheet.json()["tables"][0])
    monthly = rows_by_id(
        api.get("/api/reports/monthly", headers=admin, params={"month": "2026-11"}).json()["tables"][0]
    )
    for person in ("c001", "c002"):
        assert [appraised[person][k] for k in FACTS] == [monthly[person][k] for k in FACTS], person
    assert [appraised["c001"][k] for k in FACTS] == [
        2,
        70,
        1,
        0,
    ]  # Monday settled and Tuesday live, both in the village
    assert [appraised["c002"][k] for k in FACTS] == [
        0,
        0,
        0,
        1.5,
    ]  # Monday settled: 1; Tuesday live: the morning, the afternoon still open
