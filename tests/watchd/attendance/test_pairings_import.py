"""Importing household pairings from the office's table: the formats Excel saves on Chinese Windows."""

from __future__ import annotations

from tests.watchd.attendance.conftest import Township


def test_pairings_saved_by_excel_with_semicolons_in_gbk_are_imported(township: Township) -> None:
    data = "干部编号;户编号;户主姓名;嘎查（村）\r\nc001;H001;敖登;巴音嘎查\r\nc002;H002;孟和;呼日嘎查\r\n".encode("gbk")
    report = township.services.visits.import_pairings("结对.csv", data)
    assert (report.rows, report.households_created, report.pairings_created, report.problems) == (2, 2, 2, [])
