"""Household pairings (结亲/包户) and visits: import, recording, monthly compliance, reminders.

Every pairing needs at least one visit a month. A configurable number of days before the month
ends, each cadre with unvisited households gets a reminder; on the 1st, each organisation's
leaders get the list of last month's pairings without a visit. A reminder is recorded under a
key (kind, month, person) before it is handed to the message channel, so a re-run after downtime
sends it once.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session

from watchd.db.models import Reminder, Visit
from watchd.db.repositories.pairings import PairingsRepository
from watchd.db.repositories.people import PeopleRepository
from watchd.db.repositories.reminders import RemindersRepository
from watchd.db.repositories.sites import SitesRepository
from watchd.db.repositories.visits import VisitsRepository
from watchd.db.session import Database
from watchd.domain.attendance.schedule import midnight
from watchd.domain.attendance.visits import PairingSpan, pairing_months, reminder_day, reminder_due
from watchd.domain.checkin import local_day
from watchd.domain.leave import month_bounds
from watchd.errors import Invalid, NotFound
from watchd.services.auth import Principal
from watchd.services.leave import LEADER_ROLES, check_may_file, narrow, person_or_404, visible_people
from watchd.settings.root import Settings
from watchd.settings.sites import PHONE_RE
from watchd.spreadsheets import SheetRow, SheetUnreadable, normalise_header, read_sheet
from watchd.vision.images import ImageRejected, decode_image

log = logging.getLogger(__name__)
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
KEY_RE = re.compile(r"^[A-Za-z0-9_.:-]{8,80}$")
MAX_IMPORT_BYTES = 5_000_000
MAX_IMPORT_ROWS = 20_000
MAX_ROW_ERRORS = 200
REMINDER_NAMES = 5  # households named in a cadre's reminder (one SMS); more end in 等
MISSED_LIST_CHARS = 300  # the leader's monthly list names cadres and households up to about this length

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


class ReminderSink(Protocol):
    """Where reminders go out (the message outbox, e.g. SMS to `phone`). Called inside the unit of work
    that records the reminder, so it is recorded and queued together or not at all (an exception rolls
    both back and the job runs again)."""

    def deliver(self, session: Session, reminder: ReminderMessage) -> None: ...


@dataclass(frozen=True, slots=True)
class ReminderMessage:
    key: str
    kind: str  # visit_reminder | visits_missed
    month: str  # YYYY-MM
    person_id: str | None
    phone: str | None
    text: str


@dataclass(frozen=True, slots=True)
class ReminderView:
    key: str
    kind: str
    month: str
    person_id: str | None
    text: str
    created_at: datetime


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


@dataclass(frozen=True, slots=True)
class PairingView:
    person_id: str
    person_name: str
    organisation: str
    household_id: str
    household_name: str
    village_id: str | None
    village_name: str
    address: str
    visits: int  # in the month asked for
    last_visit_at: datetime | None
    active: bool

    @property
    def compliant(self) -> bool:
        return self.visits > 0


@dataclass(frozen=True, slots=True)
class VisitView:
    id: int
    person_id: str
    person_name: str
    household_id: str
    household_name: str
    visited_at: datetime
    note: str
    has_photo: bool
    latitude: float | None
    longitude: float | None
    recorded_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewVisit:
    person_id: str
    household_id: str
    visited_at: datetime
    note: str = ""
    photo: bytes | None = None
    latitude: float | None = None
    longitude: float | None = None
    client_key: str | None = None


class VisitService:
    def __init__(
        self, db: Database, settings: Settings, data_dir: Path, clock: Callable[[], datetime], *,
        reminders: ReminderSink | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.zone = settings.zone
        self.data_dir = data_dir
        self.clock = clock
        self.sink = reminders
        self.lookback = timedelta(days=settings.attendance.lookback_days)
        self.max_skew = timedelta(minutes=settings.checkin.max_clock_skew_minutes)

    def _month_span(self, month: date) -> tuple[datetime, datetime]:
        first, nxt = month_bounds(month)
        return midnight(first, self.zone), midnight(nxt, self.zone)

    # -- import ----------------------------------------------------------------------------------
    def import_pairings(self, filename: str, data: bytes, *, replace: bool = False) -> ImportReport:
        """Households and pairings from CSV/XLSX. All or nothing: any bad row imports nothing and
        every problem is reported with its row and column."""
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

    # -- pairings and compliance ---------------------------------------------------------------------
    def pairings(self, month: date, *, person_ids: Sequence[str] | None = None) -> list[PairingView]:
        """Pairings active in the month, with their visits in that month."""
        start, end = self._month_span(month)
        with self.db.read() as s:
            repo = PairingsRepository(s)
            pairs = [
                (PairingSpan(p.person_id, p.household_id, p.created_at, p.ended_at), h.id, h.name, h.site_id, h.address)
                for p, h in repo.pairings(active_from=start, active_until=end, person_ids=person_ids)
            ]
            visits = [(v.person_id, v.household_id, v.visited_at) for v in VisitsRepository(s).between(start, end, person_ids=person_ids)]
            sites = {v.id: v.name for v in SitesRepository(s).list_sites()}
            people = PeopleRepository(s)
            persons = {}
            for pid in {p.person_id for p, *_ in pairs}:
                person = people.get(pid, include_deleted=True)
                persons[pid] = (person.name, person.organisation) if person else (pid, "")
        months = {(m.person_id, m.household_id): m for m in pairing_months([p for p, *_ in pairs], visits, start, end)}
        out = []
        for p, hid, hname, site_id, address in pairs:
            m = months.get((p.person_id, p.household_id))
            name, org = persons[p.person_id]
            out.append(
                PairingView(
                    person_id=p.person_id, person_name=name, organisation=org, household_id=hid, household_name=hname,
                    village_id=site_id, village_name=sites.get(site_id or "", ""), address=address,
                    visits=m.visits if m else 0, last_visit_at=m.last_visit_at if m else None,
                    active=p.ended_at is None,
                )
            )
        return out

    def pairings_for(self, actor: Principal, month: date, person_id: str | None = None) -> list[PairingView]:
        with self.db.read() as s:
            wanted = narrow(visible_people(PeopleRepository(s), actor), person_id)
        return self.pairings(month, person_ids=wanted)

    # -- visits ----------------------------------------------------------------------------------
    def record_visit(self, actor: Principal, new: NewVisit) -> tuple[VisitView, bool]:
        """Store a visit; a resend with the same client key returns the stored one (False)."""
        now = self.clock()
        if new.client_key is not None and not KEY_RE.match(new.client_key):
            raise Invalid("bad_key", "client_key must be 8-80 characters of [A-Za-z0-9_.:-]")
        if new.visited_at.tzinfo is None:
            raise Invalid("naive_time", "visited_at must carry a UTC offset")
        if new.visited_at - now > self.max_skew:
            raise Invalid("visit_in_future", "the visit time is in the future")
        if now - new.visited_at > self.lookback:
            raise Invalid("visit_too_old", f"visits may be recorded at most {self.lookback.days} days back")
        if len(new.note) > 500:
            raise Invalid("note_too_long", "the note has at most 500 characters")
        if (new.latitude is None) != (new.longitude is None):
            raise Invalid("bad_location", "give both latitude and longitude, or neither")
        if new.latitude is not None and not (-90 <= new.latitude <= 90 and -180 <= (new.longitude or 0) <= 180):
            raise Invalid("bad_location", "latitude must be within ±90 and longitude within ±180")
        with self.db.read() as s:
            people = PeopleRepository(s)
            check_may_file(people, actor, person_or_404(people, new.person_id))
            if new.client_key is not None:
                found = VisitsRepository(s).by_key(new.person_id, new.client_key)
                if found is not None:
                    return self.visit(found.id), False
        photo_path = self._save_photo(new) if new.photo else None
        with self.db.unit_of_work() as s:
            repo = PairingsRepository(s)
            if repo.household(new.household_id) is None:
                raise NotFound("household_not_found", f"no household {new.household_id!r}")
            pairing = repo.pairing(new.person_id, new.household_id)
            if pairing is None or pairing.ended_at is not None:
                raise Invalid("not_paired", f"{new.person_id} is not paired with household {new.household_id}")
            row = VisitsRepository(s).add(
                Visit(
                    person_id=new.person_id, household_id=new.household_id, visited_at=new.visited_at,
                    note=new.note.strip(), photo_path=photo_path, latitude=new.latitude, longitude=new.longitude,
                    client_key=new.client_key, created_at=now, recorded_by=actor.username,
                )
            )
            visit_id = row.id if row is not None else None
        if visit_id is None:  # the same key arrived twice at once
            if photo_path:
                (self.data_dir / photo_path).unlink(missing_ok=True)
            with self.db.read() as s:
                found = VisitsRepository(s).by_key(new.person_id, new.client_key or "")
                assert found is not None
                return self.visit(found.id), False
        log.info("visit %d: %s at household %s (%s)", visit_id, new.person_id, new.household_id, new.visited_at)
        return self.visit(visit_id), True

    def _save_photo(self, new: NewVisit) -> str:
        rec = self.settings.recognition
        try:
            decode_image(new.photo or b"", max_bytes=rec.max_upload_bytes, max_pixels=rec.max_pixels)
        except ImageRejected as exc:
            raise Invalid(exc.code, exc.message) from None
        suffix = ".png" if (new.photo or b"").startswith(b"\x89PNG") else ".jpg"
        rel = Path("visits") / local_day(new.visited_at, self.zone).strftime("%Y-%m") / f"{uuid.uuid4().hex}{suffix}"
        path = self.data_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(new.photo or b"")
        return str(rel)

    def visit(self, visit_id: int) -> VisitView:
        with self.db.read() as s:
            row = VisitsRepository(s).get(visit_id)
            if row is None:
                raise NotFound("visit_not_found", f"no visit {visit_id}")
            return _visit_views(s, [row])[0]

    def visits(self, actor: Principal, month: date, person_id: str | None = None) -> list[VisitView]:
        start, end = self._month_span(month)
        with self.db.read() as s:
            wanted = narrow(visible_people(PeopleRepository(s), actor), person_id)
            rows = VisitsRepository(s).between(start, end, person_ids=wanted, limit=5000)
            return _visit_views(s, rows)

    def visit_photo(self, actor: Principal, visit_id: int) -> Path | None:
        with self.db.read() as s:
            row = VisitsRepository(s).get(visit_id)
            if row is None:
                raise NotFound("visit_not_found", f"no visit {visit_id}")
            allowed = visible_people(PeopleRepository(s), actor)
            if allowed is not None and row.person_id not in allowed:
                raise NotFound("visit_not_found", f"no visit {visit_id}")
            return self.data_dir / row.photo_path if row.photo_path else None

    # -- reminders -------------------------------------------------------------------------------
    def send_visit_reminders(self) -> list[ReminderMessage]:
        """From the reminder day to the month's end: one reminder per cadre with unvisited households."""
        today = local_day(self.clock(), self.zone)
        days_before = self.settings.attendance.visit_reminder_days
        if not reminder_due(today, days_before):
            return []
        deadline = month_bounds(today)[1] - timedelta(days=1)
        by_person: dict[str, list[PairingView]] = defaultdict(list)
        for p in self.pairings(today):
            if p.active and not p.compliant:
                by_person[p.person_id].append(p)
        month = today.strftime("%Y-%m")
        messages = []
        for person_id, open_pairs in sorted(by_person.items()):
            names = "、".join(f"{p.household_name}户" for p in open_pairs[:REMINDER_NAMES])
            more = "等" if len(open_pairs) > REMINDER_NAMES else ""
            text = (
                f"【走访提醒】本月还有{len(open_pairs)}户未走访：{names}{more}，"
                f"请于{deadline.month}月{deadline.day}日前完成。"
            )
            messages.append(self._message("visit_reminder", month, person_id, text))
        sent = self._record(messages)
        log.info("visit reminders for %s (due %s): %d sent", month, reminder_day(today, days_before), len(sent))
        return sent

    def send_missed_lists(self, month: date) -> list[ReminderMessage]:
        """Tell each organisation's leaders which pairings had no visit in `month`."""
        missed = [p for p in self.pairings(month) if not p.compliant]
        by_org: dict[str, list[PairingView]] = defaultdict(list)
        for p in missed:
            by_org[p.organisation].append(p)
        with self.db.read() as s:
            people = [(p.id, p.organisation, p.role) for p in PeopleRepository(s).list_active()]
        label = month.strftime("%Y-%m")
        messages = []
        for org, pairs in sorted(by_org.items()):
            text = _missed_list_text(month, org, pairs)
            leaders = [pid for pid, porg, role in people if porg == org and role in LEADER_ROLES]
            if not leaders:
                log.warning("no leader in organisation %r to receive the %s missed-visit list", org, label)
                messages.append(self._message("visits_missed", label, None, text, key_suffix=org or "-"))
            for leader in leaders:
                messages.append(self._message("visits_missed", label, leader, text))
        return self._record(messages)

    def _message(
        self, kind: str, month: str, person_id: str | None, text: str, *, key_suffix: str | None = None
    ) -> ReminderMessage:
        phone = None
        if person_id is not None:
            with self.db.read() as s:
                person = PeopleRepository(s).get(person_id)
                phone = person.phone if person else None
        key = f"{kind}:{month}:{person_id or key_suffix}"
        return ReminderMessage(key=key, kind=kind, month=month, person_id=person_id, phone=phone, text=text)

    def _record(self, messages: Sequence[ReminderMessage]) -> list[ReminderMessage]:
        now = self.clock()
        fresh = []
        with self.db.unit_of_work() as s:
            repo = RemindersRepository(s)
            for m in messages:
                if repo.add(
                    Reminder(key=m.key[:160], kind=m.kind, person_id=m.person_id, month=m.month, text=m.text,
                             created_at=now)
                ):
                    fresh.append(m)
                    if self.sink is not None:
                        self.sink.deliver(s, m)  # queued in this transaction: recorded and queued, or neither
        if self.sink is None:
            for m in fresh:
                log.info("reminder %s (no message channel configured): %s", m.key, m.text)
        return fresh

    def reminders(self, actor: Principal, month: str | None = None) -> list[ReminderView]:
        with self.db.read() as s:
            allowed = visible_people(PeopleRepository(s), actor)
            rows = RemindersRepository(s).search(person_id=None, month=month, limit=2000)
            return [
                ReminderView(r.key, r.kind, r.month, r.person_id, r.text, r.created_at)
                for r in rows if allowed is None or r.person_id in allowed
            ]


def _missed_list_text(month: date, org: str, pairs: Sequence[PairingView]) -> str:
    """【走访月报】2026年11月苏木政府有3个结对户未走访：其其格（敖登户、乌兰户）、巴特尔（孟和户），详见走访情况报表。"""
    by_cadre: dict[str, list[PairingView]] = defaultdict(list)
    for p in pairs:
        by_cadre[p.person_id].append(p)
    entries: list[str] = []
    for cadre_pairs in by_cadre.values():
        names = "、".join(f"{p.household_name}户" for p in cadre_pairs[:REMINDER_NAMES])
        entry = f"{cadre_pairs[0].person_name}（{names}{'等' if len(cadre_pairs) > REMINDER_NAMES else ''}）"
        if entries and sum(len(e) + 1 for e in entries) + len(entry) > MISSED_LIST_CHARS:
            entries[-1] += "等"
            break
        entries.append(entry)
    head = f"【走访月报】{month.year}年{month.month}月{org or '未分组'}有{len(pairs)}个结对户未走访："
    return f"{head}{'、'.join(entries)}，详见走访情况报表。"


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


def _visit_views(session: Session, rows: Sequence[Visit]) -> list[VisitView]:
    repo = PairingsRepository(session)
    people = PeopleRepository(session)
    households = repo.households({r.household_id for r in rows})
    names: dict[str, str] = {}
    for r in rows:
        if r.person_id not in names:
            p = people.get(r.person_id, include_deleted=True)
            names[r.person_id] = p.name if p else r.person_id
    return [
        VisitView(
            id=r.id, person_id=r.person_id, person_name=names[r.person_id], household_id=r.household_id,
            household_name=households[r.household_id].name if r.household_id in households else r.household_id,
            visited_at=r.visited_at, note=r.note, has_photo=r.photo_path is not None, latitude=r.latitude,
            longitude=r.longitude, recorded_by=r.recorded_by, created_at=r.created_at,
        )
        for r in rows
    ]
