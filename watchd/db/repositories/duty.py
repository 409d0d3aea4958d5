"""Duty rosters, swaps, the desk presence timeline and the duty log notes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from watchd.db.models import Checkin, DutyAssignment, DutyNote, DutyPresence, DutySwap, Incident, Person
from watchd.db.repositories.idempotent import insert_once


class DutyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- roster ----------------------------------------------------------------------------------
    def assignments(
        self, first: date, last: date, *, room_id: str | None = None, person_id: str | None = None
    ) -> Sequence[DutyAssignment]:
        stmt = select(DutyAssignment).where(DutyAssignment.day >= first, DutyAssignment.day <= last)
        if room_id is not None:
            stmt = stmt.where(DutyAssignment.room_id == room_id)
        if person_id is not None:
            stmt = stmt.where(DutyAssignment.person_id == person_id)
        return self.session.scalars(
            stmt.order_by(DutyAssignment.day, DutyAssignment.room_id, DutyAssignment.role, DutyAssignment.id)
        ).all()

    def replace_day(
        self, room_id: str, day: date, people: Sequence[tuple[str, str]], *, now: datetime, by: str
    ) -> None:
        """Make (role, person) the plan of one room's shift on `day`."""
        self.session.execute(delete(DutyAssignment).where(DutyAssignment.room_id == room_id, DutyAssignment.day == day))
        self.session.add_all(
            DutyAssignment(room_id=room_id, day=day, role=role, person_id=person, updated_at=now, updated_by=by)
            for role, person in people
        )
        self.session.flush()

    # -- swaps -----------------------------------------------------------------------------------
    def add_swap(self, row: DutySwap) -> DutySwap:
        self.session.add(row)
        self.session.flush()
        return row

    def swap(self, swap_id: int, *, lock: bool = False) -> DutySwap | None:
        stmt = select(DutySwap).where(DutySwap.id == swap_id)
        return self.session.scalars(stmt.with_for_update() if lock else stmt).first()

    def swaps_touching(self, first: date, last: date, *, statuses: Iterable[str]) -> Sequence[DutySwap]:
        """Swaps whose shift or shift back falls in [first, last]."""
        in_range = or_(
            and_(DutySwap.day >= first, DutySwap.day <= last),
            and_(DutySwap.back_day.is_not(None), DutySwap.back_day >= first, DutySwap.back_day <= last),
        )
        stmt = select(DutySwap).where(in_range, DutySwap.status.in_(list(statuses)))
        return self.session.scalars(stmt.order_by(DutySwap.id)).all()

    def search_swaps(
        self, *, statuses: Sequence[str] | None, person_id: str | None, room_id: str | None,
        since: date | None, limit: int,
    ) -> Sequence[DutySwap]:
        stmt = select(DutySwap)
        if statuses:
            stmt = stmt.where(DutySwap.status.in_(list(statuses)))
        if person_id is not None:
            stmt = stmt.where(or_(DutySwap.from_person == person_id, DutySwap.to_person == person_id))
        if room_id is not None:
            stmt = stmt.where(DutySwap.room_id == room_id)
        if since is not None:
            stmt = stmt.where(or_(DutySwap.day >= since, DutySwap.back_day >= since))
        return self.session.scalars(stmt.order_by(DutySwap.id.desc()).limit(limit)).all()

    def lock_roster(self) -> None:
        """Serialise roster and swap changes: a check against the roster then a write, across rooms
        (PostgreSQL advisory lock; SQLite serialises writers anyway)."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(select(func.pg_advisory_xact_lock(func.hashtext("watchd:duty_roster"))))

    # -- presence timeline -----------------------------------------------------------------------
    def open_segment(self, room_id: str) -> DutyPresence | None:
        return self.session.scalars(
            select(DutyPresence).where(DutyPresence.room_id == room_id, DutyPresence.end_at.is_(None))
            .order_by(DutyPresence.start_at.desc()).limit(1)
        ).first()

    def last_segment(self, room_id: str) -> DutyPresence | None:
        return self.session.scalars(
            select(DutyPresence).where(DutyPresence.room_id == room_id)
            .order_by(DutyPresence.start_at.desc()).limit(1)
        ).first()

    def add_segment(self, row: DutyPresence) -> bool:
        """Insert unless a segment with the same (room, start) exists (a replay): then False."""
        return insert_once(self.session, row)

    def segments(self, room_id: str, start: datetime, end: datetime) -> Sequence[DutyPresence]:
        """Segments overlapping [start, end); an open segment counts until its `checked_at`."""
        return self.session.scalars(
            select(DutyPresence).where(
                DutyPresence.room_id == room_id, DutyPresence.start_at < end,
                func.coalesce(DutyPresence.end_at, DutyPresence.checked_at) > start,
            ).order_by(DutyPresence.start_at)
        ).all()

    # -- duty log --------------------------------------------------------------------------------
    def add_note(self, row: DutyNote) -> DutyNote | None:
        """Insert; a note with the same client key already stored is returned instead (None: conflict)."""
        if row.client_key is not None:
            existing = self.session.scalars(select(DutyNote).where(DutyNote.client_key == row.client_key)).first()
            if existing is not None:
                return existing
        self.session.add(row)
        self.session.flush()
        return row

    def notes(self, room_id: str, day: date) -> Sequence[DutyNote]:
        return self.session.scalars(
            select(DutyNote).where(DutyNote.room_id == room_id, DutyNote.day == day).order_by(DutyNote.at, DutyNote.id)
        ).all()

    def checkins_at(self, site_id: str, start: datetime, end: datetime) -> Sequence[Checkin]:
        return self.session.scalars(
            select(Checkin).where(Checkin.site_id == site_id, Checkin.occurred_at >= start, Checkin.occurred_at < end)
            .order_by(Checkin.occurred_at, Checkin.id)
        ).all()

    def incidents_between(self, site_ids: Sequence[str], start: datetime, end: datetime) -> Sequence[Incident]:
        """Incidents of these sites opened in [start, end), or opened before and still unresolved then."""
        return self.session.scalars(
            select(Incident).where(
                Incident.site_id.in_(list(site_ids)), Incident.opened_at < end,
                or_(Incident.opened_at >= start, Incident.resolved_at.is_(None), Incident.resolved_at >= start),
            ).order_by(Incident.opened_at, Incident.id)
        ).all()

    def unresolved_incidents(self, kinds: Sequence[str]) -> Sequence[Incident]:
        return self.session.scalars(
            select(Incident).where(Incident.kind.in_(list(kinds)), Incident.status != "resolved")
        ).all()

    def latest_incident_with_snapshot(self, site_id: str) -> Incident | None:
        return self.session.scalars(
            select(Incident).where(Incident.site_id == site_id, Incident.snapshot_path.is_not(None))
            .order_by(Incident.opened_at.desc(), Incident.id.desc()).limit(1)
        ).first()

    # -- people ----------------------------------------------------------------------------------
    def people(self, ids: Iterable[str]) -> dict[str, Person]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        return {p.id: p for p in self.session.scalars(select(Person).where(Person.id.in_(wanted))).all()}

    def active_people(self) -> Sequence[Person]:
        return self.session.scalars(select(Person).where(Person.deleted_at.is_(None)).order_by(Person.id)).all()
