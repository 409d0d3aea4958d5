"""The duty roster: each room's planned shifts and the swaps."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from watchd.db.models import DutyAssignment, DutySwap


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
