"""A report as a titled table: what pages show and what XLSX and CSV files contain."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Kind(StrEnum):
    text = "text"
    int = "int"
    number = "number"  # one or two decimals, e.g. 21.5 days
    money = "money"  # 元, two decimals


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    width: int = 10  # characters, for the printed sheet
    kind: Kind = Kind.text
    wrap: bool = False  # long text: wrapped in the cell, lines kept (the printed sheet grows in height)


Cell = str | int | float | None


@dataclass(slots=True)
class ReportTable:
    title: str
    sheet: str  # XLSX sheet name (at most 31 characters)
    columns: list[Column]
    rows: list[list[Cell]] = field(default_factory=list)
    subtitle: str = ""
    notes: list[str] = field(default_factory=list)
    empty: str = ""  # without rows: why, and what to do (the page shows it in place of the rows)

    def as_json(self) -> dict[str, object]:
        return {
            "title": self.title, "subtitle": self.subtitle,
            "columns": [{"header": c.header, "kind": c.kind.value} for c in self.columns],
            "rows": self.rows, "notes": self.notes, "empty": "" if self.rows else self.empty,
        }


def why_empty(first: date, today: date, organisation: str | None, *, period: str) -> str:
    """Why an attendance report of `period` (e.g. "2030年1月") has no rows, and what to do."""
    if first > today:
        return f"{period}尚未开始，还没有考勤。请选择已经开始的日期或月份。"
    if organisation:
        return (f"单位“{organisation}”在{period}没有考勤：请检查单位名称（与人员的“单位”一致），"
                "或清空“单位”查看全部。")
    return f"{period}没有需要考勤的人员：请先在“签到管理 → 人员”中添加人员（或在配置文件的 [[people]] 中登记）。"
