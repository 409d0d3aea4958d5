"""A report as a titled table: what pages show and what XLSX and CSV files contain."""

from __future__ import annotations

from dataclasses import dataclass, field
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


Cell = str | int | float | None


@dataclass(slots=True)
class ReportTable:
    title: str
    sheet: str  # XLSX sheet name (at most 31 characters)
    columns: list[Column]
    rows: list[list[Cell]] = field(default_factory=list)
    subtitle: str = ""
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "title": self.title, "subtitle": self.subtitle,
            "columns": [{"header": c.header, "kind": c.kind.value} for c in self.columns],
            "rows": self.rows, "notes": self.notes,
        }
