"""Check-in records: storing them once, the punches attendance evaluates, the late-upload scan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from watchd.db.models import Checkin, Person, Site, SuspectPunch
from watchd.db.repositories.idempotent import insert_once


@dataclass(frozen=True, slots=True)
class PunchRow:
    checkin_id: int
    person_id: str
    local_date: date
    occurred_at: datetime
    received_at: datetime
    site_id: str
    device_id: str


class CheckinsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_key(self, key: str) -> Checkin | None:
        return self.session.scalars(select(Checkin).where(Checkin.idempotency_key == key)).first()

    def latest_for(self, person_id: str, site_id: str, since: datetime, until: datetime) -> Checkin | None:
        return self.session.scalars(
            select(Checkin)
            .where(
                Checkin.person_id == person_id,
                Checkin.site_id == site_id,
                Checkin.occurred_at >= since,
                Checkin.occurred_at <= until,
            )
            .order_by(Checkin.occurred_at.desc())
        ).first()

    def insert(self, row: Checkin) -> Checkin | None:
        """Insert once; None when the idempotency key already exists (a concurrent replay)."""
        return row if insert_once(self.session, row) else None

    def search(
        self, *, day: date | None, site_id: str | None, person_id: str | None, limit: int, offset: int = 0
    ) -> Sequence[tuple[Checkin, str, str]]:
        stmt = (
            select(Checkin, Person.name, Site.name)
            .join(Person, Person.id == Checkin.person_id)
            .join(Site, Site.id == Checkin.site_id)
        )
        if day is not None:
            stmt = stmt.where(Checkin.local_date == day)
        if site_id is not None:
            stmt = stmt.where(Checkin.site_id == site_id)
        if person_id is not None:
            stmt = stmt.where(Checkin.person_id == person_id)
        stmt = stmt.order_by(Checkin.occurred_at.desc(), Checkin.id.desc()).limit(limit).offset(offset)
        return [(c, p, s) for c, p, s in self.session.execute(stmt)]

    def at_site(self, site_id: str, start: datetime, end: datetime) -> Sequence[Checkin]:
        return self.session.scalars(
            select(Checkin).where(Checkin.site_id == site_id, Checkin.occurred_at >= start, Checkin.occurred_at < end)
            .order_by(Checkin.occurred_at, Checkin.id)
        ).all()

    # -- what attendance evaluates ---------------------------------------------------------------
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

    def first_day(self) -> date | None:
        return self.session.scalar(select(func.min(Checkin.local_date)))

    # -- the late-upload scan (by id, from a stored cursor) ---------------------------------------
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
