"""Household pairings and visits through the API: import with row-level errors, the cadre's visit
with photo and location, resends recorded once, monthly compliance."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date

import openpyxl
from fastapi.testclient import TestClient
from PIL import Image

from tests.helpers.clocks import FakeClock
from tests.watchd.attendance.office import MONDAY, open_office
from watchd.app import Services

BAD_CSV = (
    "干部编号,户编号,户主姓名,嘎查（村）,联系电话\n"
    "c001,H001,敖登,巴音嘎查,13900000001\n"
    "c999,H002,孟和,巴音嘎查,\n"
    "c002,H003,,不存在村,12ab\n"
).encode()


def pairing_sheet() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["干部编号", "干部姓名", "户编号", "户主姓名", "嘎查（村）", "住址"])
    sheet.append(["c001", "其其格", "H001", "敖登", "巴音嘎查", "一组 3 号"])
    sheet.append(["c001", "其其格", "H002", "孟和", "bayan", "二组 8 号"])
    sheet.append(["c002", "巴特尔", "H003", "娜仁", "呼日嘎查", ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 160, 90)).save(out, format="JPEG")
    return out.getvalue()


def test_import_pairings_then_a_cadre_records_visits_from_the_phone(
    make_services: Callable[..., Services], admin_headers_for: Callable[[Services], tuple[Services, TestClient, dict[str, str]]],
    clock: FakeClock,
) -> None:
    office = open_office(make_services, admin_headers_for, clock)
    api = office.client
    rejected = api.post("/api/pairings/import", headers=office.admin,
                        files={"file": ("结对.csv", BAD_CSV, "text/csv")})
    assert rejected.status_code == 422
    detail = rejected.json()["detail"]
    assert detail["message"] == "表格中有错误，未导入任何数据，请按提示修改后重新导入"
    assert {(p["row"], p["column"]) for p in detail["problems"]} == {
        (3, "干部编号"), (4, "户主姓名"), (4, "嘎查（村）"), (4, "联系电话")}
    assert "人员 c999 不存在" in [p["problem"] for p in detail["problems"]]
    assert api.get("/api/pairings", headers=office.admin, params={"month": "2026-11"}).json() == []

    imported = api.post("/api/pairings/import", headers=office.admin, files={"file": (
        "结对.xlsx", pairing_sheet(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")})
    assert imported.status_code == 200, imported.text
    assert imported.json()["pairings_created"] == 3

    cadre = office.login("c001", "cadre")
    office.at(MONDAY, "16:00")
    form = {"household_id": "H001", "visited_at": "2026-11-23T15:30:00+08:00", "note": "了解冬季取暖",
            "latitude": "43.65", "longitude": "111.97", "client_key": "visit-0001-abcdef"}
    first = api.post("/api/visits", headers=cadre, data=form, files={"photo": ("p.jpg", photo(), "image/jpeg")})
    assert first.status_code == 201, first.text
    again = api.post("/api/visits", headers=cadre, data=form, files={"photo": ("p.jpg", photo(), "image/jpeg")})
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert again.json()["visit"]["id"] == first.json()["visit"]["id"]
    picture = api.get(f"/api/visits/{first.json()['visit']['id']}/photo", headers=cadre)
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/jpeg"

    stranger = api.post("/api/visits", headers=cadre, data={"household_id": "H003",
                                                            "visited_at": "2026-11-23T15:40:00+08:00"})
    assert stranger.status_code == 422 and stranger.json()["detail"]["message"] == "您没有与该户结对"
    future = api.post("/api/visits", headers=cadre, data={"household_id": "H002",
                                                          "visited_at": "2026-11-24T15:40:00+08:00"})
    assert future.json()["detail"]["message"] == "走访时间不能晚于现在"

    mine = {p["household_id"]: p for p in api.get("/api/pairings", headers=cadre).json()}
    assert set(mine) == {"H001", "H002"}  # a cadre sees only their own pairings
    assert (mine["H001"]["visits"], mine["H001"]["compliant"], mine["H002"]["compliant"]) == (1, True, False)
    everybody = api.get("/api/pairings", headers=office.admin, params={"month": "2026-11"}).json()
    assert len(everybody) == 3

    # A new list from the office replaces the old one: pairings not in it end (their history stays).
    only_h001 = "干部编号,户编号,户主姓名\nc001,H001,敖登\n".encode()
    replaced = api.post("/api/pairings/import", headers=office.admin, data={"replace": "true"},
                        files={"file": ("new.csv", only_h001, "text/csv")})
    assert (replaced.json()["pairings_created"], replaced.json()["pairings_ended"]) == (0, 2)
    office.at(date(2026, 12, 2), "09:00")
    december = api.get("/api/pairings", headers=office.admin, params={"month": "2026-12"}).json()
    assert [p["household_id"] for p in december] == ["H001"]
