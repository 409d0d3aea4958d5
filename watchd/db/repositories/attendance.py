"""Attendance queries: punches and approvals for evaluation, settled days, watermarks, the calendar
overrides, leave and make-up requests, pairings and visits, reminders and the scheduler's runs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from watchd.db.models import (
    AttendanceCursor,
    AttendanceDay,
    CalendarOverride,
    Checkin,
    DeviceWatermark,
    Household,
    LeaveRequest,
    MakeupRequest,
    Pairing,
    Person,
    PersonVillage,
    Reminder,
    SchedulerRun,
    SettledDay,
    SuspectPunch,
    TerminalState,
    Visit,
)


@dataclass(frozen=True, slots=True)
class PunchRow:
    checkin_id: int
    person_id: str
    local_date: date
    occurred_at: datetime
    received_at: datetime
    site_id: str
    device_id: str


@dataclass(frozen=True, slots=True)
class PersonRow:
    id: str
    name: str
    role: str
    organisation: str
    phone: str | None
    created_at: datetime
    deleted_at: datetime | None


def _upsert(session: Session, table: Any, rows: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE on SQLite and PostgreSQL."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(table)
    updates = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
    session.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=updates), list(rows))


class AttendanceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- inputs of the evaluation ----------------------------------------------------------------
    def people(self, ids: Iterable[str] | None = None) -> list[PersonRow]:
        stmt = select(
            Person.id, Person.name, Person.role, Person.organisation, Person.phone, Person.created_at,
            Person.deleted_at,
        ).order_by(Person.id)
        if ids is not None:
            stmt = stmt.where(Person.id.in_(list(ids)))
        return [PersonRow(*r) for r in self.session.execute(stmt)]

    def punches(
        self, first: date, last: date, person_ids: Sequence[str] | None = None
    ) -> list[tuple[str, date, datetime, str]]:
        """(person, local day, time, site) of every check-in in [first, last] except those set aside as suspect."""
        stmt = (
            select(Checkin.person_id, Checkin.local_date, Checkin.occurred_at, Checkin.site_id)
            .outerjoin(SuspectPunch, SuspectPunch.checkin_id == Checkin.id)
            .where(Checkin.local_date >= first, Checkin.local_date <= last, SuspectPunch.checkin_id.is_(None))
        )
        if person_ids is not None:
            stmt = stmt.where(Checkin.person_id.in_(list(person_ids)))
        return [tuple(r) for r in self.session.connection().execute(stmt)]  # type: ignore[misc]

    def scan_limit(self, position: int, cutoff: datetime) -> int:
        """The highest check-in id a scan may reach: just before the first one received after `cutoff`
        (an older id may still be uncommitted), else the highest id."""
        young = self.session.scalar(
            select(func.min(Checkin.id)).where(Checkin.id > position, Checkin.received_at > cutoff)
        )
        if young is not None:
            return int(young) - 1
        return int(self.session.scalar(select(func.max(Checkin.id))) or 0)

    def late_or_suspect(
        self, position: int, upto: int, last_settled: date | None, *, max_skew: timedelta, max_age: timedelta
    ) -> list[PunchRow]:
        """Check-ins with id in (position, upto] that fall on a settled day or whose device time is impossible."""
        ahead: ColumnElement[Any]
        if self.session.get_bind().dialect.name == "postgresql":
            ahead = func.extract("epoch", Checkin.occurred_at - Checkin.received_at)
        else:
            ahead = (func.julianday(Checkin.occurred_at) - func.julianday(Checkin.received_at)) * 86400.0
        suspect = or_(ahead > max_skew.total_seconds(), -ahead > max_age.total_seconds())
        wanted = suspect if last_settled is None else or_(Checkin.local_date <= last_settled, suspect)
        stmt = (
            select(
                Checkin.id, Checkin.person_id, Checkin.local_date, Checkin.occurred_at, Checkin.received_at,
                Checkin.site_id, Checkin.device_id,
            )
            .where(Checkin.id > position, Checkin.id <= upto, wanted)
            .order_by(Checkin.id)
        )
        return [PunchRow(*r) for r in self.session.connection().execute(stmt)]

    def first_checkin_day(self) -> date | None:
        return self.session.scalar(select(func.min(Checkin.local_date)))

    def approved_leave(
        self, start: datetime, end: datetime, person_ids: Sequence[str] | None = None
    ) -> list[LeaveRequest]:
        stmt = select(LeaveRequest).where(
            LeaveRequest.status == "approved", LeaveRequest.start_at < end, LeaveRequest.end_at > start
        )
        if person_ids is not None:
            stmt = stmt.where(LeaveRequest.person_id.in_(list(person_ids)))
        return list(self.session.scalars(stmt))

    def approved_makeups(
        self, start: datetime, end: datetime, person_ids: Sequence[str] | None = None
    ) -> list[MakeupRequest]:
        stmt = select(MakeupRequest).where(
            MakeupRequest.status == "approved", MakeupRequest.punch_at >= start, MakeupRequest.punch_at < end
        )
        if person_ids is not None:
            stmt = stmt.where(MakeupRequest.person_id.in_(list(person_ids)))
        return list(self.session.scalars(stmt))

    def suspect_counts(self, first: date, last: date) -> dict[tuple[str, date], int]:
        rows = self.session.execute(
            select(SuspectPunch.person_id, SuspectPunch.received_day, func.count())
            .where(SuspectPunch.received_day >= first, SuspectPunch.received_day <= last)
            .group_by(SuspectPunch.person_id, SuspectPunch.received_day)
        )
        return {(p, d): int(n) for p, d, n in rows}

    def suspects_received(self, day: date) -> list[SuspectPunch]:
        return list(
            self.session.scalars(
                select(SuspectPunch).where(SuspectPunch.received_day == day).order_by(SuspectPunch.received_at)
            )
        )

    def add_suspect(self, row: SuspectPunch) -> bool:
        if self.session.get(SuspectPunch, row.checkin_id) is not None:
            return False
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            return False
        return True

    # -- settled days --------------------------------------------------------------------------
    def upsert_days(self, rows: Sequence[Mapping[str, Any]]) -> None:
        _upsert(self.session, AttendanceDay.__table__, rows, ("person_id", "day"))

    def days(self, first: date, last: date, person_ids: Sequence[str] | None = None) -> list[AttendanceDay]:
        stmt = select(AttendanceDay).where(AttendanceDay.day >= first, AttendanceDay.day <= last)
        if person_ids is not None:
            stmt = stmt.where(AttendanceDay.person_id.in_(list(person_ids)))
        return list(self.session.scalars(stmt.order_by(AttendanceDay.day, AttendanceDay.person_id)))

    def day_rows(self, first: date, last: date) -> list[tuple[Any, ...]]:
        """The columns the monthly sums need, as plain tuples (fast for a whole month)."""
        stmt = select(
            AttendanceDay.person_id, AttendanceDay.day, AttendanceDay.organisation, AttendanceDay.kind,
            AttendanceDay.status, AttendanceDay.session_count, AttendanceDay.attended_sessions,
            AttendanceDay.absent_sessions, AttendanceDay.late_count, AttendanceDay.late_minutes,
            AttendanceDay.early_count, AttendanceDay.early_minutes, AttendanceDay.missing_punches,
            AttendanceDay.leave, AttendanceDay.village_site_id, AttendanceDay.suspect_punches,
        ).where(AttendanceDay.day >= first, AttendanceDay.day <= last)
        return [tuple(r) for r in self.session.connection().execute(stmt)]

    def settled_days(self, first: date, last: date) -> dict[date, SettledDay]:
        rows = self.session.scalars(select(SettledDay).where(SettledDay.day >= first, SettledDay.day <= last))
        return {r.day: r for r in rows}

    def last_settled_day(self) -> date | None:
        return self.session.scalar(select(func.max(SettledDay.day)))

    def mark_settled(
        self, day: date, *, now: datetime, provisional: bool, lagging: Sequence[str], people: int
    ) -> None:
        _upsert(
            self.session, SettledDay.__table__,
            [{"day": day, "settled_at": now, "provisional": provisional, "lagging_devices": list(lagging),
              "people": people}],
            ("day",),
        )

    def cursor(self, name: str) -> int | None:
        row = self.session.get(AttendanceCursor, name)
        return None if row is None else row.position

    def set_cursor(self, name: str, position: int, now: datetime) -> None:
        _upsert(self.session, AttendanceCursor.__table__, [{"name": name, "position": position, "updated_at": now}],
                ("name",))

    # -- device watermarks ---------------------------------------------------------------------
    def watermarks(self) -> dict[str, DeviceWatermark]:
        return {w.device_id: w for w in self.session.scalars(select(DeviceWatermark))}

    def terminal_contacts(self) -> dict[str, datetime]:
        """Terminals' last contact (pull or push), kept by the terminal ingest: a watermark for them."""
        rows = self.session.execute(
            select(TerminalState.device_id, TerminalState.last_contact_at).where(
                TerminalState.last_contact_at.is_not(None)
            )
        )
        return {d: t for d, t in rows if t is not None}

    def advance_watermark(self, device_id: str, until: datetime, *, now: datetime) -> None:
        row = self.session.get(DeviceWatermark, device_id)
        if row is None:
            self.session.add(
                DeviceWatermark(device_id=device_id, reported_until=until, updated_at=now)
            )
            return
        row.reported_until = max(row.reported_until, until)
        row.updated_at = now


class CalendarRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def overrides(self, first: date | None = None, last: date | None = None) -> list[CalendarOverride]:
        stmt = select(CalendarOverride).order_by(CalendarOverride.day)
        if first is not None:
            stmt = stmt.where(CalendarOverride.day >= first)
        if last is not None:
            stmt = stmt.where(CalendarOverride.day <= last)
        return list(self.session.scalars(stmt))

    def set(self, day: date, *, workday: bool, name: str, now: datetime, by: str) -> None:
        _upsert(
            self.session, CalendarOverride.__table__,
            [{"day": day, "workday": workday, "name": name, "updated_at": now, "updated_by": by}], ("day",),
        )

    def remove(self, day: date) -> bool:
        result = self.session.execute(delete(CalendarOverride).where(CalendarOverride.day == day))
        return bool(getattr(result, "rowcount", 0))


class LeaveRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_leave(self, row: LeaveRequest) -> LeaveRequest:
        self.session.add(row)
        self.session.flush()
        return row

    def leave(self, request_id: int, *, lock: bool = False) -> LeaveRequest | None:
        stmt = select(LeaveRequest).where(LeaveRequest.id == request_id)
        if lock:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).first()

    def open_leave_of(self, person_id: str, start: datetime, end: datetime, *, exclude: int | None = None
                      ) -> list[LeaveRequest]:
        """Pending or approved leave of the person overlapping [start, end)."""
        stmt = select(LeaveRequest).where(
            LeaveRequest.person_id == person_id, LeaveRequest.status.in_(("pending", "approved")),
            LeaveRequest.start_at < end, LeaveRequest.end_at > start,
        )
        if exclude is not None:
            stmt = stmt.where(LeaveRequest.id != exclude)
        return list(self.session.scalars(stmt))

    def search_leave(
        self, *, status: str | None, person_ids: Sequence[str] | None, start: datetime | None, end: datetime | None,
        limit: int,
    ) -> list[LeaveRequest]:
        stmt = select(LeaveRequest)
        if status is not None:
            stmt = stmt.where(LeaveRequest.status == status)
        if person_ids is not None:
            stmt = stmt.where(LeaveRequest.person_id.in_(list(person_ids)))
        if start is not None and end is not None:
            stmt = stmt.where(LeaveRequest.start_at < end, LeaveRequest.end_at > start)
        return list(self.session.scalars(stmt.order_by(LeaveRequest.start_at.desc(), LeaveRequest.id.desc()).limit(limit)))

    def add_makeup(self, row: MakeupRequest) -> MakeupRequest:
        self.session.add(row)
        self.session.flush()
        return row

    def makeup(self, request_id: int, *, lock: bool = False) -> MakeupRequest | None:
        stmt = select(MakeupRequest).where(MakeupRequest.id == request_id)
        if lock:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).first()

    def open_makeup_at(self, person_id: str, at: datetime) -> MakeupRequest | None:
        """A pending or approved make-up punch of the person for exactly this time (a resend)."""
        return self.session.scalars(
            select(MakeupRequest).where(
                MakeupRequest.person_id == person_id, MakeupRequest.punch_at == at,
                MakeupRequest.status.in_(("pending", "approved")),
            )
        ).first()

    def count_makeups(self, person_id: str, start: datetime, end: datetime) -> int:
        return int(
            self.session.scalar(
                select(func.count()).select_from(MakeupRequest).where(
                    MakeupRequest.person_id == person_id, MakeupRequest.status.in_(("pending", "approved")),
                    MakeupRequest.punch_at >= start, MakeupRequest.punch_at < end,
                )
            )
            or 0
        )

    def search_makeups(
        self, *, status: str | None, person_ids: Sequence[str] | None, limit: int
    ) -> list[MakeupRequest]:
        stmt = select(MakeupRequest)
        if status is not None:
            stmt = stmt.where(MakeupRequest.status == status)
        if person_ids is not None:
            stmt = stmt.where(MakeupRequest.person_id.in_(list(person_ids)))
        return list(self.session.scalars(stmt.order_by(MakeupRequest.punch_at.desc(), MakeupRequest.id.desc()).limit(limit)))

    def lock_person(self, person_id: str) -> None:
        """Serialise request checks for one person (PostgreSQL row lock; SQLite serialises writers anyway)."""
        self.session.execute(select(Person.id).where(Person.id == person_id).with_for_update())


class VisitRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def household(self, household_id: str) -> Household | None:
        return self.session.get(Household, household_id)

    def households(self, ids: Iterable[str]) -> dict[str, Household]:
        wanted = list(ids)
        if not wanted:
            return {}
        return {h.id: h for h in self.session.scalars(select(Household).where(Household.id.in_(wanted)))}

    def upsert_household(
        self, *, household_id: str, name: str, site_id: str | None, address: str, phone: str | None, now: datetime
    ) -> bool:
        """True when the household is new."""
        row = self.session.get(Household, household_id)
        if row is None:
            self.session.add(
                Household(id=household_id, name=name, site_id=site_id, address=address, phone=phone, updated_at=now)
            )
            return True
        row.name, row.site_id, row.address, row.phone, row.updated_at = name, site_id, address, phone, now
        return False

    def pairing(self, person_id: str, household_id: str) -> Pairing | None:
        return self.session.scalars(
            select(Pairing).where(Pairing.person_id == person_id, Pairing.household_id == household_id)
        ).first()

    def add_pairing(self, person_id: str, household_id: str, now: datetime) -> bool:
        """Pair (or re-pair) the cadre with the household; True when that changed anything."""
        row = self.pairing(person_id, household_id)
        if row is None:
            self.session.add(Pairing(person_id=person_id, household_id=household_id, created_at=now))
            return True
        if row.ended_at is not None:
            row.ended_at = None
            return True
        return False

    def end_pairings_except(self, keep: set[tuple[str, str]], now: datetime) -> int:
        ended = 0
        for row in self.session.scalars(select(Pairing).where(Pairing.ended_at.is_(None))):
            if (row.person_id, row.household_id) not in keep:
                row.ended_at = now
                ended += 1
        return ended

    def pairings(
        self, *, active_from: datetime, active_until: datetime, person_ids: Sequence[str] | None = None
    ) -> list[tuple[Pairing, Household]]:
        """Pairings that existed at some time in [active_from, active_until)."""
        stmt = (
            select(Pairing, Household)
            .join(Household, Household.id == Pairing.household_id)
            .where(
                Pairing.created_at < active_until,
                or_(Pairing.ended_at.is_(None), Pairing.ended_at > active_from),
            )
            .order_by(Pairing.person_id, Household.id)
        )
        if person_ids is not None:
            stmt = stmt.where(Pairing.person_id.in_(list(person_ids)))
        return [(p, h) for p, h in self.session.execute(stmt)]

    def visit_by_key(self, person_id: str, client_key: str) -> Visit | None:
        return self.session.scalars(
            select(Visit).where(Visit.person_id == person_id, Visit.client_key == client_key)
        ).first()

    def add_visit(self, row: Visit) -> Visit | None:
        """Insert in a savepoint; None when the same client key was stored concurrently."""
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            return None
        return row

    def visit(self, visit_id: int) -> Visit | None:
        return self.session.get(Visit, visit_id)

    def visits(
        self, start: datetime, end: datetime, *, person_ids: Sequence[str] | None = None, limit: int = 100_000
    ) -> list[Visit]:
        stmt = select(Visit).where(Visit.visited_at >= start, Visit.visited_at < end)
        if person_ids is not None:
            stmt = stmt.where(Visit.person_id.in_(list(person_ids)))
        return list(self.session.scalars(stmt.order_by(Visit.visited_at.desc(), Visit.id.desc()).limit(limit)))

    def add_reminder(self, row: Reminder) -> bool:
        """Record a reminder once per key; False when it was already sent."""
        if self.session.scalars(select(Reminder.id).where(Reminder.key == row.key)).first() is not None:
            return False
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            return False
        return True

    def reminders(self, *, person_id: str | None, month: str | None, limit: int) -> list[Reminder]:
        stmt = select(Reminder)
        if person_id is not None:
            stmt = stmt.where(Reminder.person_id == person_id)
        if month is not None:
            stmt = stmt.where(Reminder.month == month)
        return list(self.session.scalars(stmt.order_by(Reminder.created_at.desc(), Reminder.id.desc()).limit(limit)))


class SchedulerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def last_slot(self, job_id: str) -> datetime | None:
        row = self.session.get(SchedulerRun, job_id)
        return None if row is None else row.last_slot

    def runs(self) -> dict[str, SchedulerRun]:
        return {r.job_id: r for r in self.session.scalars(select(SchedulerRun))}

    def record(self, job_id: str, slot: datetime, now: datetime) -> None:
        row = self.session.get(SchedulerRun, job_id)
        if row is None:
            self.session.add(SchedulerRun(job_id=job_id, last_slot=slot, finished_at=now, runs=1))
        else:
            row.last_slot, row.finished_at, row.runs = max(row.last_slot, slot), now, row.runs + 1

    def try_advisory_lock(self, key: int) -> bool:
        """PostgreSQL: a session-level advisory lock on this session's connection (non-blocking)."""
        return bool(self.session.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}))

    def advisory_unlock(self, key: int) -> None:
        self.session.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})


class BulkLoader:
    """Bulk inserts for loading history (e.g. check-ins exported from an old system) and benchmarks."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def people(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self.session.execute(insert(Person), list(rows))

    def person_villages(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self.session.execute(insert(PersonVillage), list(rows))

    def checkins(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self.session.execute(insert(Checkin), list(rows))
