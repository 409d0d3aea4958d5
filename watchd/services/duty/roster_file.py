"""Reading the office's 值班表 (CSV or XLSX) into day plans, with an error for every bad cell.

The header row (within the first 10 rows) names the columns; recognised names:
  日期 / 值班日期 / date                 the day the 24-hour shift starts (2026-12-01, 2026/12/1,
                                          2026年12月1日, or an Excel date cell)
  值班室 / 值班地点 / room               room id or name; may be left out when there is one duty room
  值班人员 / 值班员 / 值班干部 / officers person ids or names, several separated by 、 , ; / or spaces
  带班领导 / 领导 / leader               the same
Other columns (星期, 电话, 备注 …) are ignored. Empty rows are skipped. The import is all or
nothing: with any bad row nothing is written, and every problem is reported with its row number
(as the spreadsheet numbers it), column and value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from watchd.spreadsheets import HEADER_ROWS, SheetUnreadable, cell_text, normalise_header, read_table

MAX_BYTES = 2_000_000
MAX_ROWS = 5000
_FILE_CODES = {"not_a_table": "roster_bad_file", "too_many_rows": "roster_too_many_rows"}  # else: empty, too_large
COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("日期", "值班日期", "date", "day"),
    "room": ("值班室", "值班地点", "地点", "room"),
    "officers": ("值班人员", "值班员", "值班干部", "值班", "officers", "officer"),
    "leaders": ("带班领导", "领导", "leader", "leaders"),
}
COLUMN_TEXT = {"date": "日期", "room": "值班室", "officers": "值班人员", "leaders": "带班领导"}
_SPLIT = re.compile(r"[、,，;；/\s]+")
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
)
_TRAILING_WEEKDAY = re.compile(r"[（(]?(星期|周)[一二三四五六日天][）)]?$")


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str  # the column's Chinese name, or "" for the whole row
    value: str
    code: str
    message: str  # Chinese, for the person who fixes the spreadsheet


@dataclass(frozen=True, slots=True)
class DayPlan:
    row: int
    room_id: str
    day: date
    officers: tuple[str, ...]
    leaders: tuple[str, ...]


@dataclass(slots=True)
class ParsedRoster:
    plans: list[DayPlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0


class RosterFileError(ValueError):
    """The file as a whole is unusable (format, encoding, no header); `code` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message


# -- reading the file -------------------------------------------------------------------------------


def read_roster(filename: str, data: bytes) -> list[tuple[int, list[object]]]:
    """(spreadsheet row number, cells) of the roster: the first sheet whose name has 值班 (else the
    first sheet) of an XLSX, or a CSV file."""
    try:
        return read_table(filename, data, max_bytes=MAX_BYTES, max_rows=MAX_ROWS, sheet_hint="值班")
    except SheetUnreadable as exc:
        raise RosterFileError(_FILE_CODES.get(exc.code, exc.code), exc.message) from None


# -- rows into plans ----------------------------------------------------------------------------------


def find_header(rows: Sequence[tuple[int, list[object]]]) -> tuple[int, dict[str, int]]:
    """The index (into `rows`) of the header row and the column of each recognised field."""
    for index, (_, cells) in enumerate(rows[:HEADER_ROWS]):
        names = [normalise_header(cell_text(c)) for c in cells]
        found: dict[str, int] = {}
        for key, aliases in COLUMNS.items():
            for position, name in enumerate(names):
                if name in aliases and position not in found.values():
                    found[key] = position
                    break
        if "date" in found and ("officers" in found or "leaders" in found):
            return index, found
    raise RosterFileError(
        "roster_no_header", "no header row with 日期 and 值班人员 (or 带班领导) in the first 10 rows"
    )


def parse_day(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _TRAILING_WEEKDAY.sub("", cell_text(value)).strip()
    text = text.split(" ")[0] if re.match(r"^\d{4}-\d{2}-\d{2} \d", text) else text
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None


@dataclass(frozen=True, slots=True)
class Directory:
    """Who can be named: person ids, names (a name shared by two people is ambiguous), rooms."""

    people: Mapping[str, str]  # id → name (active people)
    rooms: Mapping[str, str]  # room id → name

    def person(self, token: str) -> tuple[str | None, str]:
        """(person id, "") or (None, the reason in Chinese)."""
        if token in self.people:
            return token, ""
        ids = sorted(pid for pid, name in self.people.items() if name == token)
        if len(ids) == 1:
            return ids[0], ""
        if ids:
            return None, f"姓名“{token}”对应多人（{'、'.join(ids)}），请改用人员编号"
        return None, f"没有名为或编号为“{token}”的人员"

    def room(self, token: str) -> str | None:
        if token in self.rooms:
            return token
        found = [rid for rid, name in self.rooms.items() if name == token]
        return found[0] if len(found) == 1 else None


def parse_rows(rows: Sequence[tuple[int, list[object]]], directory: Directory) -> ParsedRoster:
    out = ParsedRoster()
    if not rows:
        raise RosterFileError("empty", "the file has no rows")
    header, columns = find_header(rows)
    seen: dict[tuple[str, date], int] = {}
    for number, cells in rows[header + 1:]:
        def cell(key: str, cells: list[object] = cells) -> object:
            position = columns.get(key)
            return cells[position] if position is not None and position < len(cells) else None

        if not any(cell_text(c) for c in cells):
            continue
        out.rows += 1
        errors: list[RowError] = []

        def bad(
            key: str, value: object, code: str, message: str, number: int = number,
            errors: list[RowError] = errors,
        ) -> None:
            errors.append(RowError(number, COLUMN_TEXT.get(key, ""), cell_text(value), code, message))

        raw_day = cell("date")
        day = parse_day(raw_day)
        if day is None:
            bad("date", raw_day, "roster_bad_date", "日期无法识别，请写成 2026-12-01 这样的格式（含年份）")
        room_id: str | None
        if "room" in columns and cell_text(cell("room")):
            room_id = directory.room(cell_text(cell("room")))
            if room_id is None:
                bad("room", cell("room"), "roster_unknown_room", "没有这个值班室")
        elif len(directory.rooms) == 1:
            room_id = next(iter(directory.rooms))
        else:
            room_id = None
            bad("room", cell("room"), "roster_room_missing", "有多个值班室，请填写值班室")
        named: dict[str, tuple[str, ...]] = {}
        for key in ("officers", "leaders"):
            ids: list[str] = []
            for token in (t for t in _SPLIT.split(cell_text(cell(key))) if t):
                pid, reason = directory.person(token)
                if pid is None:
                    bad(key, token, "roster_unknown_person", reason)
                elif pid not in ids:
                    ids.append(pid)
            named[key] = tuple(ids)
        if not named["officers"] and not named["leaders"] and not any(e.column in ("值班人员", "带班领导") for e in errors):
            bad("officers", "", "roster_row_empty", "这一行没有值班人员，也没有带班领导")
        if day is not None and room_id is not None:
            first = seen.get((room_id, day))
            if first is not None:
                bad("date", raw_day, "roster_duplicate_day", f"与第 {first} 行重复（同一值班室同一天）")
            else:
                seen[(room_id, day)] = number
        if errors:
            out.errors += errors
        elif day is not None and room_id is not None:
            out.plans.append(DayPlan(number, room_id, day, named["officers"], named["leaders"]))
    if out.rows > MAX_ROWS:
        raise RosterFileError("roster_too_many_rows", f"at most {MAX_ROWS} rows")
    return out


def plan_people(plans: Iterable[DayPlan]) -> set[str]:
    return {p for plan in plans for p in (*plan.officers, *plan.leaders)}
