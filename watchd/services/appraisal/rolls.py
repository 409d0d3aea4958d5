"""The rolls the township imports for a round: village committee members and villager representatives
(committee), and households (villagers). CSV or XLSX through the one spreadsheet reader; all or
nothing, every problem with its row and column. A household (or member) twice in the file, an
unknown village, or a village without a cadre of the round refuses the whole file."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from watchd.db.repositories.appraisal import AppraisalRepository
from watchd.db.repositories.sites import SitesRepository
from watchd.db.session import Database
from watchd.domain.appraisal import CODE_GROUPS
from watchd.errors import Conflict, Invalid
from watchd.services.appraisal.rounds import Rounds
from watchd.services.visits.pairings_import import ID_RE, MAX_IMPORT_BYTES, MAX_ROW_ERRORS
from watchd.settings.sites import PHONE_RE
from watchd.spreadsheets import SheetUnreadable, normalise_header, read_sheet

log = logging.getLogger(__name__)
MAX_ROLL_ROWS = 100_000
COLUMNS: dict[str, tuple[str, ...]] = {
    "entry_id": ("户编号", "农户编号", "编号", "人员编号", "id"),
    "name": ("户主姓名", "户主", "姓名", "name"),
    "village": ("嘎查村", "嘎查", "村", "village"),
    "phone": ("联系电话", "电话", "手机", "phone"),
}
LABELS = {
    "villagers": {"entry_id": "户编号", "name": "户主姓名", "village": "嘎查（村）", "phone": "联系电话"},
    "committee": {"entry_id": "编号", "name": "姓名", "village": "嘎查（村）", "phone": "联系电话"},
}


@dataclass(frozen=True, slots=True)
class RollReport:
    rows: int
    villages: int


class Rolls:
    def __init__(self, db: Database, rounds: Rounds, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.rounds = rounds
        self.clock = clock

    def import_roll(self, round_id: int, group: str, filename: str, data: bytes) -> RollReport:
        if group not in CODE_GROUPS:
            raise Invalid(
                "appraisal_bad_group", f"rolls are imported for {CODE_GROUPS}, not {group!r}", field="group"
            )
        labels = LABELS[group]
        try:
            rows = read_sheet(filename, data, max_bytes=MAX_IMPORT_BYTES, max_rows=MAX_ROLL_ROWS)
        except SheetUnreadable as exc:
            if exc.code == "too_large":
                raise Invalid("too_large", exc.message) from None
            raise Invalid("import_unreadable", exc.message, reason_code=exc.code) from None
        if not rows:
            raise Invalid("import_empty", "the table has a header but no rows")
        headers = set(rows[0].values)
        column_of = {
            f: next((normalise_header(a) for a in aliases if normalise_header(a) in headers), None)
            for f, aliases in COLUMNS.items()
        }
        for required in ("entry_id", "name", "village"):
            if column_of[required] is None:
                raise Invalid(
                    "import_missing_column",
                    f"the table has no {labels[required]} column",
                    column=labels[required],
                )
        with self.db.unit_of_work() as s:
            row = self.rounds.get(s, round_id)
            if self.clock() >= row.closes_at:
                raise Conflict("appraisal_closed", f"round {round_id} is closed")
            repo = AppraisalRepository(s)
            if repo.used_codes(round_id, group):
                raise Conflict(
                    "appraisal_roll_in_use", f"codes of the {group} roll were used; it cannot be replaced"
                )
            villages = {v.id: v for v in SitesRepository(s).list_sites() if v.kind == "village"}
            by_name = {v.name: v.id for v in villages.values()}
            staffed: dict[str, bool] = {}
            problems: list[dict[str, object]] = []
            seen: dict[str, int] = {}
            entries = []
            for r in rows:

                def bad(column: str, problem: str, number: int = r.number) -> None:
                    problems.append({"row": number, "column": labels[column], "problem": problem})

                entry_id, name, village, phone = (
                    r.values.get(column_of[f] or "", "").strip()
                    for f in ("entry_id", "name", "village", "phone")
                )
                if not entry_id:
                    bad("entry_id", "不能为空")
                elif not ID_RE.match(entry_id):
                    bad("entry_id", "只能包含字母、数字、_ . -，最多 64 个字符")
                elif entry_id in seen:
                    bad(
                        "entry_id",
                        f"{labels['entry_id']} {entry_id} 重复（第 {seen[entry_id]} 行已有），每户只能有一个评议码",
                    )
                else:
                    seen[entry_id] = r.number
                if not name:
                    bad("name", "不能为空")
                elif len(name) > 60:
                    bad("name", "最多 60 个字")
                site_id = village if village in villages else by_name.get(village)
                if not village:
                    bad("village", "不能为空")
                elif site_id is None:
                    bad("village", f"嘎查（村）{village} 不存在")
                else:
                    if site_id not in staffed:
                        staffed[site_id] = bool(repo.cadres_of_village(round_id, site_id))
                    if not staffed[site_id]:
                        bad("village", f"嘎查（村）{village} 没有本轮考核的驻村干部")
                if phone and not PHONE_RE.match(phone):
                    bad("phone", f"电话号码 {phone} 格式不对")
                entries.append(
                    {"entry_id": entry_id, "name": name, "site_id": site_id, "phone": phone or None}
                )
            if problems:
                raise Invalid(
                    "import_rejected",
                    f"{len(problems)} problems; nothing was imported",
                    problems=problems[:MAX_ROW_ERRORS],
                )
            repo.replace_roll(round_id, group, entries)
        log.info(
            "appraisal round %d: %s roll imported from %s, %d rows", round_id, group, filename, len(entries)
        )
        return RollReport(rows=len(entries), villages=len({e["site_id"] for e in entries}))
