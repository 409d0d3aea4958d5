"""Duty rosters and swaps, and the one answer to "who is on duty / on call now".

Who may do what: an administrator edits and imports the roster. An officer asks for a swap of
their own shift (a login whose username is the person id, as for leave); a leader (login role
`leader`) or an administrator approves or rejects it, never for a swap they are part of.

Everything that needs to know who is on duty asks this service: the duty-room watch (is the
person at the desk the rostered one?), escalation (`RosterOnCall`, the leader on duty), leave and
attendance (`on_duty(person, day)`, the `DutyCalendar` protocol), the dashboard and the duty log.
"""

from __future__ import annotations

import logging
import threading
import time as monotonic_time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from watchd.alerts.oncall import Contact
from watchd.db.models import DutySwap, Person
from watchd.db.repositories.audit import AuditRepository
from watchd.db.repositories.duty import DutyRepository
from watchd.db.session import Database
from watchd.domain.duty import (
    MAX_LEADERS,
    MAX_OFFICERS,
    ROLE_NAMES,
    Assignment,
    DutyRefused,
    DutyRole,
    OnDuty,
    Roster,
    ShiftClock,
    Swap,
    SwapStatus,
    approval_deadline,
    build_roster,
    check_day_plan,
    check_swap,
    on_duty_at,
    room_for_site,
)
from watchd.errors import Conflict, Invalid, NotFound, ServiceError
from watchd.services.auth import Principal
from watchd.services.duty_ical import roster_ical
from watchd.services.duty_import import (
    DayPlan,
    Directory,
    RosterFileError,
    RowError,
    parse_rows,
    plan_people,
    read_roster,
)
from watchd.settings.root import Settings
from watchd.settings.sites import SiteKind

log = logging.getLogger(__name__)
SWAP_STATUS_TEXT = {"pending": "待审批", "approved": "已批准", "rejected": "已驳回", "cancelled": "已撤回"}
CACHE_SECONDS = 30.0
MAX_RANGE_DAYS = 400


class Forbidden(ServiceError):
    status = 403


def refused(exc: DutyRefused) -> ServiceError:
    cls = Conflict if exc.code in {"roster_double_booked", "swap_target_busy", "swap_already_decided"} else Invalid
    return cls(exc.code, exc.message, **exc.details)


@dataclass(frozen=True, slots=True)
class PersonRef:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class ShiftView:
    room_id: str
    room_name: str
    day: date
    start: datetime
    end: datetime
    officers: list[PersonRef]
    leaders: list[PersonRef]
    planned_officers: list[PersonRef]
    planned_leaders: list[PersonRef]

    @property
    def swapped(self) -> bool:
        return self.officers != self.planned_officers or self.leaders != self.planned_leaders


@dataclass(frozen=True, slots=True)
class OnDutyView:
    room_id: str
    room_name: str
    day: date
    start: datetime
    end: datetime
    officers: list[Contact]
    leaders: list[Contact]

    @property
    def leader(self) -> Contact | None:
        return self.leaders[0] if self.leaders else None


@dataclass(frozen=True, slots=True)
class SwapView:
    id: int
    room_id: str
    room_name: str
    day: date
    role: str
    role_text: str
    from_person: PersonRef
    to_person: PersonRef
    back_day: date | None
    reason: str
    status: str
    status_text: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str
    approve_by: datetime  # the latest moment it can be approved


@dataclass(frozen=True, slots=True)
class ImportReport:
    rows: int  # non-empty rows read
    days: int  # shifts written (or that would be, for a dry run)
    errors: list[RowError]
    written: bool
    first: date | None
    last: date | None


def _swap(row: DutySwap) -> Swap:
    return Swap(
        id=row.id, room_id=row.room_id, day=row.day, role=DutyRole(row.role), from_person=row.from_person,
        to_person=row.to_person, back_day=row.back_day, status=SwapStatus(row.status), decided_at=row.decided_at,
    )


class DutyService:
    def __init__(self, db: Database, settings: Settings, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.settings = settings
        self.config = settings.duty
        self.zone = settings.zone
        self.clock = clock
        self.shifts = ShiftClock(self.config.shift_start, self.zone)
        self.notice = timedelta(days=self.config.swap_notice_days)
        self.room_names = {s.id: s.name for s in settings.sites if s.kind == SiteKind.duty_room}
        self.site_names = {s.id: s.name for s in settings.sites}
        # Config order decides which room covers a site (see domain.duty.room_for_site).
        configured = [(r.site, tuple(r.covers)) for r in self.config.rooms]
        self.coverage = configured + [(rid, ()) for rid in self.room_names if rid not in {r for r, _ in configured}]
        self._cache: dict[tuple[int, int], tuple[float, Roster]] = {}
        self._lock = threading.Lock()

    # -- rooms and the roster ----------------------------------------------------------------------
    def room_ids(self) -> list[str]:
        return list(self.room_names)

    def room_name(self, room_id: str) -> str:
        return self.room_names.get(room_id, room_id)

    def check_room(self, room_id: str) -> str:
        if room_id not in self.room_names:
            raise NotFound("duty_room_not_found", f"no duty room {room_id!r}")
        return room_id

    def room_for_site(self, site_id: str) -> str | None:
        return room_for_site(site_id, self.coverage)

    def _load(self, s: Session, first: date, last: date) -> Roster:
        repo = DutyRepository(s)
        assignments = [
            Assignment(a.room_id, a.day, DutyRole(a.role), a.person_id) for a in repo.assignments(first, last)
        ]
        swaps = [_swap(r) for r in repo.swaps_touching(first, last, statuses=[SwapStatus.approved.value])]
        return build_roster(assignments, swaps)

    def _month(self, day: date) -> Roster:
        """The roster of `day`'s month, cached briefly (attendance asks day by day)."""
        key = (day.year, day.month)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and monotonic_time.monotonic() - hit[0] < CACHE_SECONDS:
                return hit[1]
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        with self.db.read() as s:
            roster = self._load(s, first, last)
        with self._lock:
            self._cache[key] = (monotonic_time.monotonic(), roster)
        return roster

    def _changed(self) -> None:
        with self._lock:
            self._cache.clear()

    def roster(self, first: date, last: date, room_id: str | None = None) -> list[ShiftView]:
        """Every shift from `first` to `last` (inclusive) with the people after swaps and as planned."""
        if last < first or (last - first).days > MAX_RANGE_DAYS:
            raise Invalid("bad_range", f"give a range of 1 to {MAX_RANGE_DAYS} days")
        rooms = [self.check_room(room_id)] if room_id else self.room_ids()
        with self.db.read() as s:
            roster = self._load(s, first, last)
            ids = {p for people in [*roster.holders.values(), *roster.base.values()] for p in people}
            names = {pid: p.name for pid, p in DutyRepository(s).people(ids).items()}
        out: list[ShiftView] = []
        for offset in range((last - first).days + 1):
            day = first + timedelta(days=offset)
            start, end = self.shifts.span(day)
            for room in rooms:
                def refs(people: Iterable[str]) -> list[PersonRef]:
                    return [PersonRef(p, names.get(p, p)) for p in people]
                out.append(ShiftView(
                    room_id=room, room_name=self.room_name(room), day=day, start=start, end=end,
                    officers=refs(roster.of(room, day, DutyRole.officer)),
                    leaders=refs(roster.of(room, day, DutyRole.leader)),
                    planned_officers=refs(roster.planned(room, day, DutyRole.officer)),
                    planned_leaders=refs(roster.planned(room, day, DutyRole.leader)),
                ))
        return out

    def set_day(
        self, actor: Principal, room_id: str, day: date, *, officers: Sequence[str], leaders: Sequence[str]
    ) -> ShiftView:
        """Replace the plan of one room's shift (approved swaps still apply on top)."""
        _admin(actor)
        self.check_room(room_id)
        now = self.clock()
        with self.db.unit_of_work() as s:
            repo = DutyRepository(s)
            repo.lock_roster()
            self._check_people(repo, [*officers, *leaders])
            roster = self._load(s, day, day)
            try:
                check_day_plan(room_id, day, officers, leaders, roster)
            except DutyRefused as exc:
                raise refused(exc) from None
            plan = [(DutyRole.officer.value, p) for p in officers] + [(DutyRole.leader.value, p) for p in leaders]
            repo.replace_day(room_id, day, plan, now=now, by=actor.username)
            AuditRepository(s).add(
                at=now, actor=f"user:{actor.username}", action="duty.roster.set", target_type="duty_shift",
                target_id=f"{room_id}:{day.isoformat()}", details={"officers": list(officers), "leaders": list(leaders)},
            )
        self._changed()
        log.info("duty roster %s %s set by %s: officers %s, leaders %s", room_id, day, actor.username,
                 list(officers), list(leaders))
        return self.roster(day, day, room_id)[0]

    def import_roster(self, actor: Principal, filename: str, data: bytes, *, dry_run: bool = False) -> ImportReport:
        """Read a 值班表 (CSV or XLSX); write every day it names, or nothing when any row is bad."""
        _admin(actor)
        try:
            table = read_roster(filename, data)
        except RosterFileError as exc:
            raise Invalid(exc.code, exc.message) from None
        now = self.clock()
        with self.db.unit_of_work() as s:
            repo = DutyRepository(s)
            repo.lock_roster()
            directory = Directory(
                people={p.id: p.name for p in repo.active_people()}, rooms=dict(self.room_names)
            )
            try:
                parsed = parse_rows(table, directory)
            except RosterFileError as exc:
                raise Invalid(exc.code, exc.message) from None
            errors = list(parsed.errors)
            if parsed.plans:
                errors += self._conflicts(s, parsed.plans)
            written = not errors and not dry_run and bool(parsed.plans)
            if written:
                for plan in parsed.plans:
                    people = [(DutyRole.officer.value, p) for p in plan.officers]
                    people += [(DutyRole.leader.value, p) for p in plan.leaders]
                    repo.replace_day(plan.room_id, plan.day, people, now=now, by=actor.username)
                AuditRepository(s).add(
                    at=now, actor=f"user:{actor.username}", action="duty.roster.import", target_type="duty_roster",
                    target_id=filename[:100], details={
                        "days": len(parsed.plans), "first": min(p.day for p in parsed.plans).isoformat(),
                        "last": max(p.day for p in parsed.plans).isoformat(),
                    },
                )
        if written:
            self._changed()
            log.info("duty roster imported by %s from %s: %d days", actor.username, filename, len(parsed.plans))
        errors.sort(key=lambda e: (e.row, e.column))
        return ImportReport(
            rows=parsed.rows, days=len(parsed.plans) if not errors else 0, errors=errors, written=written,
            first=min((p.day for p in parsed.plans), default=None), last=max((p.day for p in parsed.plans), default=None),
        )

    def _conflicts(self, s: Session, plans: Sequence[DayPlan]) -> list[RowError]:
        """Row errors for people on duty twice the same day, against the file and the stored roster."""
        first, last = min(p.day for p in plans), max(p.day for p in plans)
        repo = DutyRepository(s)
        replaced = {(p.room_id, p.day) for p in plans}
        kept = [
            Assignment(a.room_id, a.day, DutyRole(a.role), a.person_id)
            for a in repo.assignments(first, last) if (a.room_id, a.day) not in replaced
        ]
        new = [
            Assignment(p.room_id, p.day, role, person)
            for p in plans
            for role, people in ((DutyRole.officer, p.officers), (DutyRole.leader, p.leaders))
            for person in people
        ]
        swaps = [_swap(r) for r in repo.swaps_touching(first, last, statuses=[SwapStatus.approved.value])]
        roster = build_roster([*kept, *new], swaps)
        names = {pid: p.name for pid, p in repo.people(plan_people(plans)).items()}
        errors: list[RowError] = []
        for plan in plans:
            try:
                check_day_plan(plan.room_id, plan.day, plan.officers, plan.leaders, roster)
            except DutyRefused as exc:
                person = str(exc.details.get("person_id", ""))
                other = str(exc.details.get("room", ""))
                message = {
                    "roster_double_booked": f"{names.get(person, person)} 同一天还在{self.room_name(other)}值班",
                    "roster_person_twice": f"{names.get(person, person)} 在这一行出现两次",
                    "roster_too_many": f"每班最多 {MAX_OFFICERS} 名值班人员、{MAX_LEADERS} 名带班领导",
                }.get(exc.code, exc.message)
                errors.append(RowError(plan.row, "值班人员", names.get(person, person), exc.code, message))
        return errors

    def ical(self, first: date, last: date, *, person_id: str | None = None, room_id: str | None = None) -> bytes:
        """The shifts (after swaps) as an iCalendar file for phones: one all-shift event per person and shift."""
        shifts = self.roster(first, last, room_id)
        return roster_ical(shifts, township=self.settings.township, person_id=person_id, now=self.clock())

    @staticmethod
    def _check_people(repo: DutyRepository, ids: Sequence[str]) -> dict[str, Person]:
        found = repo.people(ids)
        for pid in ids:
            person = found.get(pid)
            if person is None or person.deleted_at is not None:
                raise NotFound("person_not_found", f"no person {pid!r}", person_id=pid)
        return found

    def person_names(self, ids: Sequence[str]) -> list[str]:
        """Names of these people in order (the id where a person is unknown)."""
        if not ids:
            return []
        with self.db.read() as s:
            found = {pid: p.name for pid, p in DutyRepository(s).people(ids).items()}
        return [found.get(p, p) for p in ids]

    def phone(self, person_id: str) -> str | None:
        with self.db.read() as s:
            person = DutyRepository(s).people([person_id]).get(person_id)
            return person.phone if person is not None and person.deleted_at is None else None

    # -- who is on duty ----------------------------------------------------------------------------
    def on_duty(self, person_id: str, day: date) -> bool:
        """DutyCalendar: the person holds a shift (any room, any role) starting on `day`, after swaps."""
        return self._month(day).on_duty(person_id, day)

    def shift_at(self, room_id: str, at: datetime | None = None) -> OnDuty:
        """The shift containing `at` (default now) and who holds it, without contact details."""
        at = at or self.clock()
        return on_duty_at(self.check_room(room_id), at, self.shifts, self._month(self.shifts.day_of(at)))

    def on_duty_now(self, room_id: str, at: datetime | None = None) -> OnDutyView:
        """The one query for "who is on duty / on call" in a room: officers and leaders with phones."""
        shift = self.shift_at(room_id, at)
        with self.db.read() as s:
            people = {
                pid: Contact(pid, p.name, p.phone if p.deleted_at is None else None)
                for pid, p in DutyRepository(s).people([*shift.officers, *shift.leaders]).items()
            }

        def contacts(ids: Sequence[str]) -> list[Contact]:
            return [people.get(pid) or Contact(pid, pid, None) for pid in ids]

        return OnDutyView(
            room_id=room_id, room_name=self.room_name(room_id), day=shift.day, start=shift.start, end=shift.end,
            officers=contacts(shift.officers), leaders=contacts(shift.leaders),
        )

    # -- swaps -------------------------------------------------------------------------------------
    def request_swap(
        self, actor: Principal, *, room_id: str, day: date, role: DutyRole, from_person: str, to_person: str,
        back_day: date | None = None, reason: str = "",
    ) -> SwapView:
        self.check_room(room_id)
        if actor.role not in ("admin", "leader") and actor.username != from_person:
            raise Forbidden("forbidden", f"{actor.username} may only ask to swap their own shifts")
        if len(reason) > 500:
            raise Invalid("reason_too_long", "the reason has at most 500 characters")
        now = self.clock()
        proposal = Swap(0, room_id, day, role, from_person, to_person, back_day)
        with self.db.unit_of_work() as s:
            repo = DutyRepository(s)
            repo.lock_roster()
            self._check_people(repo, [from_person, to_person])
            try:
                check_swap(proposal, self._load(s, *_span(proposal)), self.shifts, self.notice, now)
            except DutyRefused as exc:
                raise refused(exc) from None
            row = repo.add_swap(DutySwap(
                room_id=room_id, day=day, role=role.value, from_person=from_person, to_person=to_person,
                back_day=back_day, reason=reason.strip(), status=SwapStatus.pending.value,
                requested_by=actor.username, requested_at=now,
            ))
            view = self._swap_view(repo, row)
        log.info("swap %d requested by %s: %s %s %s → %s", view.id, actor.username, room_id, day, role.value, to_person)
        return view

    def decide_swap(self, actor: Principal, swap_id: int, *, approve: bool, note: str = "") -> SwapView:
        now = self.clock()
        with self.db.unit_of_work() as s:
            repo = DutyRepository(s)
            repo.lock_roster()
            row = repo.swap(swap_id, lock=True)
            if row is None:
                raise NotFound("swap_not_found", f"no swap {swap_id}")
            if actor.role not in ("admin", "leader"):
                raise Forbidden("not_the_leader", f"{actor.username} may not decide swaps")
            if actor.username in (row.from_person, row.to_person):
                raise Forbidden("not_the_leader", f"{actor.username} may not decide their own swap")
            if row.status != SwapStatus.pending.value:
                raise Conflict("swap_already_decided", f"swap {swap_id} is {row.status}", status=row.status)
            if approve:
                swap = _swap(row)
                try:  # against the roster as it is now, which may have changed since the request
                    check_swap(swap, self._load(s, *_span(swap)), self.shifts, self.notice, now)
                except DutyRefused as exc:
                    raise refused(exc) from None
            row.status = (SwapStatus.approved if approve else SwapStatus.rejected).value
            row.decided_by, row.decided_at, row.decision_note = actor.username, now, note.strip()[:500]
            AuditRepository(s).add(
                at=now, actor=f"user:{actor.username}", action=f"duty.swap.{row.status}", target_type="duty_swap",
                target_id=str(row.id), details={"room": row.room_id, "day": row.day.isoformat(), "note": row.decision_note},
            )
            view = self._swap_view(repo, row)
        self._changed()
        log.info("swap %d %s by %s", swap_id, view.status, actor.username)
        return view

    def cancel_swap(self, actor: Principal, swap_id: int) -> SwapView:
        with self.db.unit_of_work() as s:
            repo = DutyRepository(s)
            row = repo.swap(swap_id, lock=True)
            if row is None:
                raise NotFound("swap_not_found", f"no swap {swap_id}")
            if actor.role != "admin" and actor.username not in (row.requested_by, row.from_person):
                raise Forbidden("forbidden", f"{actor.username} did not ask for swap {swap_id}")
            if row.status != SwapStatus.pending.value:
                raise Conflict("swap_already_decided", f"swap {swap_id} is {row.status}", status=row.status)
            row.status = SwapStatus.cancelled.value
            row.decided_by, row.decided_at = actor.username, self.clock()
            return self._swap_view(repo, row)

    def swaps(
        self, *, statuses: Sequence[str] | None = None, person_id: str | None = None, room_id: str | None = None,
        since: date | None = None, limit: int = 200,
    ) -> list[SwapView]:
        with self.db.read() as s:
            repo = DutyRepository(s)
            rows = repo.search_swaps(statuses=statuses, person_id=person_id, room_id=room_id, since=since, limit=limit)
            return [self._swap_view(repo, r) for r in rows]

    def _swap_view(self, repo: DutyRepository, row: DutySwap) -> SwapView:
        names = {pid: p.name for pid, p in repo.people([row.from_person, row.to_person]).items()}
        return SwapView(
            id=row.id, room_id=row.room_id, room_name=self.room_name(row.room_id), day=row.day, role=row.role,
            role_text=ROLE_NAMES[DutyRole(row.role)],
            from_person=PersonRef(row.from_person, names.get(row.from_person, row.from_person)),
            to_person=PersonRef(row.to_person, names.get(row.to_person, row.to_person)),
            back_day=row.back_day, reason=row.reason, status=row.status,
            status_text=SWAP_STATUS_TEXT.get(row.status, row.status), requested_by=row.requested_by,
            requested_at=row.requested_at, decided_by=row.decided_by, decided_at=row.decided_at,
            decision_note=row.decision_note, approve_by=approval_deadline(_swap(row), self.shifts, self.notice),
        )


def _admin(actor: Principal) -> None:
    if actor.role != "admin":
        raise Forbidden("forbidden", f"role {actor.role!r} may not change the duty roster")


def _span(swap: Swap) -> tuple[date, date]:
    return min(swap.days), max(swap.days)
