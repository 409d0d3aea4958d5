"""The weekly plan and the weekly meeting through HTTP: items listed for next week, marked during the
week, the meeting view beside this week's logs with the completion rate, and its print-ready XLSX
(opened with openpyxl). SQLite and PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook  # type: ignore[import-untyped, unused-ignore]

from api.app import create_app
from tests.api.worklog_office import MONDAY, ORG, Office, open_office
from tests.conftest import FakeClock
from watchd.app import Services

NEXT = MONDAY + timedelta(days=7)


@pytest.fixture
def office(make_services: Callable[..., Services], clock: FakeClock) -> Iterator[Office]:
    services = open_office(make_services, clock)
    with TestClient(create_app(services)) as client:
        yield Office(services, client, clock)


def add(office: Office, user: str, text: str, week: date = NEXT, organisation: str | None = None) -> int:
    r = office.client.post(
        "/api/plans",
        headers=office.as_(user),
        json={"week": week.isoformat(), "text": text, "organisation": organisation},
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def mark(office: Office, user: str, item: int, status: str, note: str = "") -> int:
    return office.client.patch(
        f"/api/plans/{item}", headers=office.as_(user), json={"status": status, "note": note}
    ).status_code


def test_plan_items_for_next_week_are_marked_during_it_and_refused_before(office: Office) -> None:
    office.at(MONDAY + timedelta(days=4), "16:00")  # Friday: next week's plan
    first = add(office, "c001", "完成巴音嘎查入户走访")
    second = add(office, "c001", "报送冬季防火台账")
    add(office, "c001", "协助换届选举准备")
    dept = add(office, "l001", "部署冬季防火检查", organisation=ORG)
    r = office.client.post(
        "/api/plans",
        headers=office.as_("c002"),
        json={"week": NEXT.isoformat(), "text": "替单位写", "organisation": ORG},
    )
    assert r.status_code == 403
    r = office.client.post(
        "/api/plans", headers=office.as_("c001"), json={"week": "2026-12-01", "text": "周二"}
    )
    assert r.status_code == 422 and r.json()["detail"]["code"] == "plan_week_not_monday"
    r = office.client.post(
        "/api/plans", headers=office.as_("c001"), json={"week": "2026-11-16", "text": "上周"}
    )
    assert r.status_code == 422 and r.json()["detail"]["code"] == "plan_week_past"
    assert mark(office, "c001", first, "done") == 409  # the week has not started
    assert (
        office.client.get(f"/api/plans?week={NEXT}", headers=office.as_("c001")).json()[0]["status"] == "open"
    )

    office.at(NEXT + timedelta(days=2), "17:00")
    assert mark(office, "c001", first, "done", "走访12户") == 200
    assert mark(office, "c001", second, "partly", "还差2个嘎查") == 200
    assert mark(office, "c002", first, "not_done") == 403  # not his item
    assert mark(office, "l001", dept, "done") == 200
    items = office.client.get(
        f"/api/plans?week={NEXT + timedelta(days=3)}", headers=office.as_("c001")
    ).json()
    assert [(i["text"], i["status"], i["note"]) for i in items] == [
        ("完成巴音嘎查入户走访", "done", "走访12户"),
        ("报送冬季防火台账", "partly", "还差2个嘎查"),
        ("协助换届选举准备", "open", ""),
    ]
    assert office.client.delete(f"/api/plans/{first}", headers=office.as_("c001")).status_code == 409


def meeting_week(office: Office) -> None:
    """Last week (the 23rd) c001 and the department planned this week (the 30th); this week they log and mark."""
    office.at(MONDAY + timedelta(days=4), "16:00")
    items = [add(office, "c001", t) for t in ("入户走访", "防火台账", "换届准备", "整理档案")]
    dept = add(office, "l001", "部署冬季防火检查", organisation=ORG)
    for i, hhmm in enumerate(("18:00", "18:05", "18:10")):
        office.at(NEXT + timedelta(days=i), hhmm)
        assert office.write("c001", NEXT + timedelta(days=i), f"第{i + 1}天工作").status_code == 200
    assert office.write("c002", NEXT, "巴特尔周一").status_code == 200
    office.client.put(
        "/api/worklog/department",
        headers=office.as_("l001"),
        json={"day": NEXT.isoformat(), "organisation": ORG, "line": "召开周例会"},
    )
    office.at(NEXT + timedelta(days=4), "15:00")
    for item, status in zip(items, ("done", "partly", "not_done", "done"), strict=True):
        assert mark(office, "c001", item, status, "说明" if status != "done" else "") == 200
    assert mark(office, "l001", dept, "done") == 200
    add(office, "c001", "下周：整改台账销号", week=NEXT + timedelta(days=7))


def test_the_weekly_meeting_puts_this_weeks_logs_beside_last_weeks_plan_and_its_completion(
    office: Office,
) -> None:
    meeting_week(office)
    r = office.client.get(f"/api/reports/weekly?week={NEXT}", headers=office.as_("l001"))
    assert r.status_code == 200, r.text
    table = r.json()["tables"][0]
    headers = [c["header"] for c in table["columns"]]
    rows = {row[headers.index("姓名")]: dict(zip(headers, row, strict=True)) for row in table["rows"]}
    assert list(rows) == [ORG, "其其格", "巴特尔", "乌云"]  # the department first, then its people
    qiqige = rows["其其格"]
    assert qiqige["日志（天）"] == "3/5"
    assert qiqige["本周工作（日志）"] == "周一：第1天工作\n周二：第2天工作\n周三：第3天工作"
    assert qiqige["上周所定本周计划及完成情况"] == (
        "1. 入户走访【完成】\n2. 防火台账【部分完成】说明\n3. 换届准备【未完成】说明\n4. 整理档案【完成】"
    )
    assert (qiqige["计划项"], qiqige["完成率"]) == (4, "62%")  # (2 + 0.5) / 4
    assert qiqige["下周计划"] == "1. 下周：整改台账销号"
    assert rows[ORG]["本周工作（日志）"] == "周一：召开周例会" and rows[ORG]["完成率"] == "100%"
    assert (rows["巴特尔"]["日志（天）"], rows["巴特尔"]["完成率"]) == ("1/5", "—")
    assert office.client.get("/api/reports/weekly", headers=office.as_("c001")).status_code == 403
    assert (
        office.client.get("/api/reports/weekly?organisation=林业站", headers=office.as_("l001")).status_code
        == 403
    )


def test_the_weekly_meeting_xlsx_is_print_ready_with_the_same_cells(office: Office) -> None:
    meeting_week(office)
    r = office.client.get(
        f"/api/reports/weekly?week={NEXT + timedelta(days=2)}&format=xlsx", headers=office.as_("l001")
    )
    assert r.status_code == 200
    assert quote("周例会-2026-11-30.xlsx") in r.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet.title == "2026-11-30周例会"
    assert sheet["A1"].value == "测试苏木苏木政府周例会工作汇总（11月30日—12月6日）"
    assert "日志4/15天" in sheet["A2"].value and "本周计划5项，完成率70%" in sheet["A2"].value
    assert [c.value for c in sheet[3]] == [
        "单位",
        "类别",
        "编号",
        "姓名",
        "日志（天）",
        "本周工作（日志）",
        "上周所定本周计划及完成情况",
        "计划项",
        "完成率",
        "下周计划",
    ]
    assert [c.value for c in sheet[5]][:5] == [ORG, "个人", "c001", "其其格", "3/5"]
    assert sheet["F5"].value.splitlines() == ["周一：第1天工作", "周二：第2天工作", "周三：第3天工作"]
    assert sheet["F5"].alignment.wrap_text is True
    assert (sheet["H5"].value, sheet["I5"].value) == (4, "62%")
    assert sheet.print_title_rows == "$1:$3" and sheet.page_setup.orientation == "landscape"
    assert sheet.cell(sheet.max_row, 1).value.startswith("主持人签字")
