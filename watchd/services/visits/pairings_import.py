"""Importing households and pairings from the office's table (CSV/XLSX through the one spreadsheet
reader). All or nothing: any bad row imports nothing and every problem is reported with its row and
column."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from watchd.db.repositories.pairings import PairingsRepository
from watchd.db.repositories.people import PeopleRepository
from watchd.db.repositories.sites import SitesRepository
from watchd.db.session import Database
from watchd.errors import Invalid
from watchd.settings.sites import PHONE_RE
from watchd.spreadsheets import SheetRow, SheetUnreadable, normalise_header, read_sheet

log = logging.getLogger(__name__)
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MAX_IMPORT_BYTES = 5_000_000
MAX_IMPORT_ROWS = 20_000
MAX_ROW_ERRORS = 200

COLUMNS: dict[str, tuple[str, ...]] = {
    "person_id": ("干部编号", "人员编号", "person_id"),
    "person_name": ("干部姓名", "干部", "person_name"),
    "household_id": ("户编号", "农户编号", "household_id"),
    "household_name": ("户主姓名", "户主", "household_name"),
    "village": ("嘎查村", "嘎查", "村", "village"),
    "address": ("住址", "地址", "address"),
    "phone": ("联系电话", "电话", "phone"),
}
COLUMN_LABELS = {"person_id": "干部编号", "person_name": "干部姓名", "household_id": "户编号",
                 "household_name": "户主姓名", "village": "嘎查（村）", "address": "住址", "phone": "联系电话"}


@dataclass(frozen=True, slots=True)
class RowProblem:
    row: int
    column: str
    problem: str


@dataclass(slots=True)
class ImportReport:
    rows: int = 0
    households_created: int = 0
    households_updated: int = 0
    pairings_created: int = 0
    pairings_ended: int = 0
    problems: list[RowProblem] = field(default_factory=list)


class PairingsImport:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock

    def import_pairings(self, filename: str, data: bytes, *, replace: bool = False) -> ImportReport:
        """Households and pairings from CSV/XLSX; with `replace`, pairings not in the file end."""
        try:
            rows = read_sheet(filename, data, max_bytes=MAX_IMPORT_BYTES, max_rows=MAX_IMPORT_ROWS)
        except SheetUnreadable as exc:
            if exc.code == "too_large":
                raise Invalid("too_large", exc.message) from None
            raise Invalid("import_unreadable", exc.message, reason_code=exc.code) from None
        report = ImportReport(rows=len(rows))
        if not rows:
            raise Invalid("import_empty", "the table has a header but no rows")
        headers = set(rows[0].values)
        column_of = {field_: next((normalise_header(a) for a in aliases if normalise_header(a) in headers), None)
                     for field_, aliases in COLUMNS.items()}
        for required in ("person_id", "household_id", "household_name"):
            if column_of[required] is None:
                raise Invalid(
                    "import_missing_column", f"the table has no {COLUMN_LABELS[required]} column",
                    column=COLUMN_LABELS[required],
                )
        now = self.clock()
        with self.db.unit_of_work() as s:
            people, sites, repo = PeopleRepository(s), SitesRepository(s), PairingsRepository(s)
            villages = {v.id: v for v in sites.list_sites() if v.kind == "village"}
            village_by_name = {v.name: v.id for v in villages.values()}
            parsed = []
            seen_households: dict[str, tuple[str, str | None]] = {}
            keep: set[tuple[str, str]] = set()

            def cell(row: SheetRow, name: str) -> str:
                key = column_of[name]
                return row.values.get(key, "").strip() if key else ""

            for row in rows:
                problems = _row_problems(row, cell, people, villages, village_by_name, seen_households)
                report.problems += problems
                if problems:
                    continue
                village = cell(row, "village")
                site_id = (village if village in villages else village_by_name.get(village)) if village else None
                hid = cell(row, "household_id")
                seen_households[hid] = (cell(row, "household_name"), site_id)
                parsed.append((row, cell(row, "person_id"), hid, site_id))
            if report.problems:
                raise Invalid(
                    "import_rejected", f"{len(report.problems)} problems; nothing was imported",
                    problems=[{"row": p.row, "column": p.column, "problem": p.problem}
                              for p in report.problems[:MAX_ROW_ERRORS]],
                )
            for row, person_id, hid, site_id in parsed:
                created = repo.upsert_household(
                    household_id=hid, name=cell(row, "household_name"), site_id=site_id,
                    address=cell(row, "address"), phone=cell(row, "phone") or None, now=now,
                )
                if created:
                    report.households_created += 1
                s.flush()
                if repo.add_pairing(person_id, hid, now):
                    report.pairings_created += 1
                keep.add((person_id, hid))
            report.households_updated = len({hid for _, _, hid, _ in parsed}) - report.households_created
            if replace:
                report.pairings_ended = repo.end_pairings_except(keep, now)
        log.info(
            "pairings imported from %s: %d rows, %d new households, %d new pairings, %d ended",
            filename, report.rows, report.households_created, report.pairings_created, report.pairings_ended,
        )
        return report


def _row_problems(
    row: SheetRow, cell: Callable[[SheetRow, str], str], people: PeopleRepository, villages: Mapping[str, object],
    village_by_name: dict[str, str], seen: dict[str, tuple[str, str | None]],
) -> list[RowProblem]:
    out: list[RowProblem] = []

    def bad(column: str, problem: str) -> None:
        out.append(RowProblem(row.number, COLUMN_LABELS[column], problem))

    person_id = cell(row, "person_id")
    person = people.get(person_id) if person_id else None
    if not person_id:
        bad("person_id", "不能为空")
    elif person is None:
        bad("person_id", f"人员 {person_id} 不存在")
    else:
        name = cell(row, "person_name")
        if name and name != person.name:
            bad("person_name", f"编号 {person_id} 的姓名是 {person.name}，表中是 {name}")
    hid, hname = cell(row, "household_id"), cell(row, "household_name")
    if not hid:
        bad("household_id", "不能为空")
    elif not ID_RE.match(hid):
        bad("household_id", "只能包含字母、数字、_ . -，最多 64 个字符")
    if not hname:
        bad("household_name", "不能为空")
    elif len(hname) > 60:
        bad("household_name", "最多 60 个字")
    village = cell(row, "village")
    site_id = (village if village in villages else village_by_name.get(village)) if village else None
    if village and site_id is None:
        bad("village", f"嘎查（村）{village} 不存在")
    if hid and hid in seen and seen[hid] != (hname, site_id):
        bad("household_id", f"户编号 {hid} 在表中出现多次且户主或嘎查（村）不一致")
    phone = cell(row, "phone")
    if phone and not PHONE_RE.match(phone):
        bad("phone", f"电话号码 {phone} 格式不对")
    if len(cell(row, "address")) > 200:
        bad("address", "最多 200 个字")
    return out
