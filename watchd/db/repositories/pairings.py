"""Households and their pairings with cadres (结亲/包户)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.orm import Session

from watchd.db.models import Household, Pairing, Visit


class PairingsRepository:
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

    def compliance_counts(self, *, start: datetime, end: datetime) -> list[tuple[str, int, int]]:
        """Per person: (person, pairings active in [start, end), of those visited by that person in that
        span) in one grouped query; the same pairings and visits as `pairings` and the month's visits."""
        visited = exists().where(
            Visit.household_id == Pairing.household_id,
            Visit.person_id == Pairing.person_id,
            Visit.visited_at >= start,
            Visit.visited_at < end,
        )
        stmt = (
            select(Pairing.person_id, func.count(), func.sum(case((visited, 1), else_=0)))
            .join(Household, Household.id == Pairing.household_id)
            .where(Pairing.created_at < end, or_(Pairing.ended_at.is_(None), Pairing.ended_at > start))
            .group_by(Pairing.person_id)
        )
        return [(person, int(n), int(done or 0)) for person, n, done in self.session.execute(stmt)]
