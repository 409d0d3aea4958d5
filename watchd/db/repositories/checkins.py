"""Check-in records."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from watchd.db.models import Checkin, Person, Site


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
        """Insert inside a savepoint; None when the idempotency key already exists (a concurrent replay)."""
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            return None
        return row

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
