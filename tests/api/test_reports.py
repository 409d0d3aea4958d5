"""Reports: the page's JSON, XLSX ready to print with Chinese headers, CSV for other programs, and
`watchd report monthly --month … --out FILE.xlsx`."""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Callable
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

from cli.main import main
from tests.helpers.clocks import FakeClock
from tests.watchd.attendance.office import MONDAY, PEOPLE, local, open_office
from watchd.app import Services
from watchd.services.checkins import NewCheckin

PAIRINGS = "干部编号,户编号,户主姓名,嘎查（村）\nc001,H001,敖登,巴音嘎查\nc002,H002,孟和,呼日嘎查\n".encode()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def test_daily_monthly_and_pairing_reports_as_page_tables_xlsx_and_csv(
    make_services: Callable[..., Services], admin_headers_for: Callable[[Services], tuple[Services, TestClient, dict[str, str]]],
    clock: FakeClock,
) -> None:
    office = open_office(make_services, admin_headers_for, clock)
    api, admin = office.client, office.admin
    office.services.visits.import_pairings("p.csv", PAIRINGS)
    office.at(MONDAY, "19:00")
    office.punch("c001", MONDAY, "08:20", "12:01", "14:40", "18:02")  # 10 minutes late in the 14:30 afternoon
    office.at(date(2026, 11, 24), "01:00")
    api.post("/api/attendance/settle", headers=admin)

    page = api.get("/api/reports/daily", headers=admin, params={"date": "2026-11-23"}).json()
    detail = page["tables"][0]
    assert detail["title"] == "测试苏木考勤日报" and "已结算" in detail["subtitle"]
    rows = {r[2]: r for r in detail["rows"]}
    assert rows["c001"][4:7] == ["迟到", "08:20–12:01", "14:40–18:02"]
    assert rows["c002"][4] == "缺勤"

    daily = api.get("/api/reports/daily", headers=admin, params={"date": "2026-11-23", "format": "xlsx"})
    assert daily.headers["content-type"] == XLSX
    assert "filename*=UTF-8''%E8%80%83%E5%8B%A4%E6%97%A5%E6%8A%A5-2026-11-23.xlsx" in daily.headers["content-disposition"]
    book = sheet(daily.content)
    assert book.sheetnames == ["考勤明细", "按单位汇总", "按嘎查村汇总"]
    villages = book["按嘎查村汇总"]
    assert [c.value for c in villages[4]] == ["巴音嘎查", 1, 1, None]
    assert [c.value for c in villages[5]] == ["呼日嘎查", 1, 0, "巴特尔"]

    monthly = sheet(api.get("/api/reports/monthly", headers=admin,
                            params={"month": "2026-11", "format": "xlsx"}).content).active
    assert monthly is not None
    assert monthly["A1"].value == "测试苏木2026年11月考勤汇总表"
    headers = [c.value for c in monthly[3]]
    assert headers[:6] == ["序号", "单位", "编号", "姓名", "应出勤（天）", "出勤（天）"]
    assert {"迟到（分钟）", "事假（天）", "病假（天）", "驻村（天）", "驻村补助（元）"} <= set(headers)
    c001 = next([c.value for c in row] for row in monthly.iter_rows(min_row=4) if row[2].value == "c001")
    assert c001[headers.index("迟到（分钟）")] == 10
    assert (c001[headers.index("驻村（天）")], c001[headers.index("驻村补助（元）")]) == (1, 35)
    assert monthly.page_setup.orientation == "landscape" and monthly.page_setup.fitToWidth == 1
    assert monthly.print_title_rows == "$1:$3" and monthly.freeze_panes == "A4"

    text = api.get("/api/reports/monthly", headers=admin, params={"month": "2026-11", "format": "csv"}).content
    assert text.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert table[0][:4] == ["序号", "单位", "编号", "姓名"] and len(table) == 1 + len(PEOPLE)

    pairings = api.get("/api/reports/pairings", headers=admin, params={"month": "2026-11"}).json()["tables"][0]
    assert "结对2户，已走访0户，未走访2户" in pairings["subtitle"]

    cadre = office.login("c001", "cadre")
    assert api.get("/api/reports/monthly", headers=cadre).status_code == 403
    bad = api.get("/api/reports/monthly", headers=admin, params={"month": "2026-13"})
    assert bad.status_code == 422 and bad.json()["detail"]["fields"][0]["field"] == "query.month"


CONFIG = """
township = "测试苏木"
[[sites]]
id = "bayan"
name = "巴音嘎查"
kind = "village"
[[sites]]
id = "hure"
name = "呼日嘎查"
kind = "village"
[[people]]
id = "c001"
name = "其其格"
organisation = "苏木政府"
villages = ["bayan"]
[[people]]
id = "c002"
name = "巴特尔"
organisation = "苏木政府"
villages = ["hure"]
[[devices]]
id = "kiosk-bayan"
kind = "kiosk_web"
site = "bayan"
[attendance.rules]
allowance_per_day = 35
"""


def test_cli_writes_the_monthly_report(
    tmp_path: Path, make_services: Callable[..., Services], clock: FakeClock, database_url: str,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """The month is settled by the daemon (here: the test clock); the command prints it from the database."""
    config = tmp_path / "watchd.toml"
    config.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("WATCHD_DATABASE_URL", database_url)
    monkeypatch.setenv("WATCHD_DATA_DIR", str(tmp_path / "data"))
    november = date(2025, 11, 24)  # a month in the past whatever the wall clock says
    clock.now = local(november, "00:00")
    raw = tomllib.loads(CONFIG)
    services = make_services(people=raw["people"], attendance=raw["attendance"])

    for i, hhmm in enumerate(("08:20", "12:00", "14:30", "18:00")):
        clock.now = local(november, "19:00")
        services.checkins.record(NewCheckin(key=f"cli:{i}", person_id="c001", device_id="kiosk-bayan",
                                            occurred_at=local(november, hhmm), method="terminal", liveness="terminal"))
    clock.now = local(date(2025, 12, 1), "01:00")
    services.attendance.settle()

    out = tmp_path / "2025-11.xlsx"
    assert main(["--config", str(config), "report", "monthly", "--month", "2025-11", "--out", str(out)]) == 0
    assert "测试苏木2025年11月考勤汇总表" in capsys.readouterr().out
    ws = sheet(out.read_bytes()).active
    assert ws is not None
    headers = [c.value for c in ws[3]]
    c001 = next([c.value for c in row] for row in ws.iter_rows(min_row=4) if row[2].value == "c001")
    assert (c001[headers.index("驻村（天）")], c001[headers.index("驻村补助（元）")]) == (1, 35)

    assert main(["--config", str(config), "report", "monthly", "--month", "11-2025", "--out", str(out)]) == 2
    assert "month must look like 2026-11" in capsys.readouterr().err
    assert main(["--config", str(config), "report", "monthly", "--month", "2025-11", "--out", "x.pdf"]) == 2


def test_an_empty_report_says_why_and_what_to_do(
    make_services: Callable[..., Services], admin_headers_for: Callable[[Services], tuple[Services, TestClient, dict[str, str]]],
    clock: FakeClock,
) -> None:
    office = open_office(make_services, admin_headers_for, clock)
    api, admin = office.client, office.admin
    office.at(MONDAY, "19:00")

    def empty(kind: str, **params: str) -> str:
        table = api.get(f"/api/reports/{kind}", headers=admin, params=params).json()["tables"][0]
        assert table["rows"] == [], table
        return str(table["empty"])

    assert "2027年1月尚未开始" in empty("monthly", month="2027-01")
    assert "1月4日尚未开始" in empty("daily", date="2027-01-04")
    assert "单位“林业站”在2026年11月没有考勤" in empty("monthly", month="2026-11", organisation="林业站")
    assert "“导入结对”中导入结对名单" in empty("pairings", month="2026-11")
    full = api.get("/api/reports/monthly", headers=admin, params={"month": "2026-11"}).json()["tables"][0]
    assert full["rows"] and full["empty"] == ""  # a table with rows has nothing to explain
