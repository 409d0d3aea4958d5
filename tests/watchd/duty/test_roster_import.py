"""Importing the office's 值班表 (CSV in UTF-8 or GBK, XLSX): every bad row reported with its row
number, column and value, and nothing written unless the whole file is good."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from tests.watchd.duty.conftest import admin
from watchd.app import Services
from watchd.errors import Invalid
from watchd.services.duty.roster_file import Directory, parse_rows, read_roster


def xlsx(rows: list[list[object]], title: str = "12月值班表") -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def shifts(services: Services, first: date, last: date) -> dict[tuple[str, str], tuple[list[str], list[str]]]:
    return {
        (s.room_id, s.day.isoformat()): ([p.id for p in s.officers], [p.id for p in s.leaders])
        for s in services.duty.roster(first, last) if s.officers or s.leaders
    }


def test_a_good_xlsx_roster_is_imported_with_names_dates_and_several_officers(duty_services: Services) -> None:
    data = xlsx([
        ["阿嘎如泰苏木 2026年12月值班表"],  # a title row above the header
        ["日期", "星期", "值班室", "值班人员", "带班领导", "备注"],
        [datetime(2026, 12, 1), "二", "苏木值班室", "张三、李四", "乌云", ""],  # noqa: DTZ001 - Excel dates have no zone
        ["2026/12/2", "三", "duty", "d003", "l002", "节前"],
        ["2026年12月3日", "四", "嘎查值班室", "赵六", "其木格", ""],
        [None, None, None, None, None, None],  # empty rows are skipped
    ])
    report = duty_services.duty.import_roster(admin(), "roster.xlsx", data)
    assert (report.rows, report.days, report.written, report.errors) == (3, 3, True, [])
    assert (report.first, report.last) == (date(2026, 12, 1), date(2026, 12, 3))
    assert shifts(duty_services, date(2026, 12, 1), date(2026, 12, 3)) == {
        ("duty", "2026-12-01"): (["d001", "d002"], ["l001"]),
        ("duty", "2026-12-02"): (["d003"], ["l002"]),
        ("duty2", "2026-12-03"): (["d004"], ["l002"]),
    }


def test_bad_rows_are_all_reported_and_nothing_is_written(duty_services: Services) -> None:
    duty_services.duty.set_day(admin(), "duty", date(2026, 12, 1), officers=["d004"], leaders=["l002"])
    text = (
        "日期,值班室,值班人员,带班领导\n"
        "2026-12-01,苏木值班室,张三,乌云\n"        # row 2: fine on its own
        "12月2日,苏木值班室,李四,乌云\n"            # row 3: no year
        "2026-12-03,苏木值班室,王小二,乌云\n"       # row 4: unknown person
        "2026-12-04,后院,张三,乌云\n"               # row 5: unknown room
        "2026-12-05,苏木值班室,,\n"                 # row 6: nobody named
        "2026-12-01,苏木值班室,李四,其木格\n"       # row 7: same room and day as row 2
        "2026-12-06,苏木值班室,张三,乌云\n"         # row 8: fine
        "2026-12-06,嘎查值班室,张三,\n"             # row 9: 张三 in two rooms on the 6th
    )
    report = duty_services.duty.import_roster(admin(), "roster.csv", text.encode("utf-8"))
    assert not report.written and report.days == 0
    problems = [(e.row, e.column, e.value, e.code) for e in report.errors]
    assert problems == [
        (3, "日期", "12月2日", "roster_bad_date"),
        (4, "值班人员", "王小二", "roster_unknown_person"),
        (5, "值班室", "后院", "roster_unknown_room"),
        (6, "值班人员", "", "roster_row_empty"),
        (7, "日期", "2026-12-01", "roster_duplicate_day"),
        (8, "值班人员", "张三", "roster_double_booked"),
        (9, "值班人员", "张三", "roster_double_booked"),
    ]
    by_row = {e.row: e.message for e in report.errors}
    assert by_row[7] == "与第 2 行重复（同一值班室同一天）"
    assert "没有名为或编号为“王小二”的人员" in by_row[4]
    assert "嘎查值班室" in by_row[8] and "苏木值班室" in by_row[9]
    # Nothing was written, and the day planned before is untouched.
    assert shifts(duty_services, date(2026, 12, 1), date(2026, 12, 9)) == {
        ("duty", "2026-12-01"): (["d004"], ["l002"]),
    }


def test_a_gbk_csv_from_excel_is_read_and_a_dry_run_writes_nothing(duty_services: Services) -> None:
    text = "日期,值班人员,带班领导\r\n2026-12-10,王五,乌云\r\n"
    with pytest.raises(Invalid) as caught:
        duty_services.duty.import_roster(admin(), "x.csv", b"")
    assert caught.value.code == "empty"
    # Two duty rooms: a row must say which.
    report = duty_services.duty.import_roster(admin(), "roster.csv", text.encode("gbk"), dry_run=True)
    assert [(e.row, e.code) for e in report.errors] == [(2, "roster_room_missing")]
    ok = "日期;值班室;值班人员;带班领导\r\n2026-12-10;duty2;王五;乌云\r\n".encode("gbk")
    dry = duty_services.duty.import_roster(admin(), "roster.csv", ok, dry_run=True)
    assert (dry.days, dry.written, dry.errors) == (1, False, [])
    assert shifts(duty_services, date(2026, 12, 10), date(2026, 12, 10)) == {}


def test_a_file_without_a_header_or_not_a_table_is_refused_with_the_reason(duty_services: Services) -> None:
    with pytest.raises(Invalid) as no_header:
        duty_services.duty.import_roster(admin(), "roster.csv", b"a,b,c\n1,2,3\n")
    assert no_header.value.code == "roster_no_header"
    with pytest.raises(Invalid) as broken:
        duty_services.duty.import_roster(admin(), "roster.xlsx", b"PK\x03\x04 not really a zip")
    assert broken.value.code == "roster_bad_file"


def test_a_name_two_people_share_must_be_given_as_a_person_id() -> None:
    directory = Directory(people={"d001": "张三", "d009": "张三", "l001": "乌云"}, rooms={"duty": "值班室"})
    parsed = parse_rows(read_roster("r.csv", "日期,值班人员\n2026-12-01,张三\n2026-12-02,d009\n".encode()), directory)
    [error] = parsed.errors
    assert (error.row, error.code) == (2, "roster_unknown_person")
    assert "对应多人（d001、d009）" in error.message
    assert [(p.day, p.officers) for p in parsed.plans] == [(date(2026, 12, 2), ("d009",))]


def test_a_csv_the_csv_module_cannot_read_is_refused_with_the_reason(duty_services: Services) -> None:
    data = ("日期,值班人员\n2026-12-01," + "张" * 140_000 + "\n").encode()  # one cell over the csv field limit
    with pytest.raises(Invalid) as caught:
        duty_services.duty.import_roster(admin(), "roster.csv", data)
    assert caught.value.code == "roster_bad_file"
    assert "line 2" in caught.value.message


def test_a_header_with_the_marks_of_a_template_is_understood(duty_services: Services) -> None:
    data = xlsx([["*日期", "值班室*", "值班人员：", "带班领导\u3000"], ["2026-12-01", "duty", "d001", "l001"]])
    report = duty_services.duty.import_roster(admin(), "roster.xlsx", data, dry_run=True)
    assert [(e.row, e.code) for e in report.errors] == [] and report.days == 1
