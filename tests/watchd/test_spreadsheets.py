"""The one reader behind every import (pairings, the duty roster): its answers for the files offices
upload. What each import makes of it is tested with the import (attendance/test_pairings_import.py,
duty/test_roster_import.py)."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import Workbook

from watchd.spreadsheets import SheetUnreadable, read_sheet, read_table

LIMITS = {"max_bytes": 100_000, "max_rows": 100}


def xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_gbk_tab_separated_text_keeps_the_spreadsheet_row_numbers() -> None:
    text = "编号\t姓名\r\n\r\nc001\t其其格\r\n"
    assert read_table("a.txt", text.encode("gb18030"), **LIMITS) == [(1, ["编号", "姓名"]), (2, []), (3, ["c001", "其其格"])]
    [row] = read_sheet("a.txt", text.encode("gb18030"), **LIMITS)
    assert (row.number, row.values) == (3, {"编号": "c001", "姓名": "其其格"})


def test_xlsx_cells_keep_their_values_and_read_as_the_person_sees_them() -> None:
    data = xlsx({
        "说明": [["这一页不是表格"]],
        "12月值班": [["日期", "编号", "在岗"], [datetime(2026, 12, 1), 1001.0, True]],  # noqa: DTZ001 - Excel dates have no zone
    })
    assert read_table("r.xlsx", data, sheet_hint="值班", **LIMITS)[1] == (2, [datetime(2026, 12, 1), 1001, True])  # noqa: DTZ001
    assert read_table("r.xlsx", data, **LIMITS) == [(1, ["这一页不是表格"])]  # no hint: the first sheet
    [row] = read_sheet("r.xlsx", xlsx({"Sheet": [["嘎查（村）", "编号", "在岗"], ["巴音嘎查", 1001.0, False]]}), **LIMITS)
    assert (row.number, row.values) == (2, {"嘎查村": "巴音嘎查", "编号": "1001", "在岗": "否"})


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("a.csv", b"", "empty"),
        ("a.csv", b"x" * 100_001, "too_large"),
        ("a.xlsx", b"PK\x03\x04 not really a zip", "not_a_table"),
        ("a.csv", b"a,b\n1,\x002\n", "not_a_table"),
        ("a.csv", b"n\n" + b"1\n" * 111, "too_many_rows"),
    ],
)
def test_unreadable_files_are_refused_with_a_stable_code(name: str, data: bytes, code: str) -> None:
    with pytest.raises(SheetUnreadable) as caught:
        read_table(name, data, **LIMITS)
    assert caught.value.code == code and caught.value.message


def test_too_many_rows_below_the_header_are_refused_in_xlsx_too() -> None:
    data = xlsx({"Sheet": [["编号"], *([[str(i)] for i in range(101)])]})
    with pytest.raises(SheetUnreadable) as caught:
        read_sheet("a.xlsx", data, **LIMITS)
    assert caught.value.code == "too_many_rows"
