"""Cadres' visits to their paired households."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchd.db.models import Visit
from watchd.db.repositories.idempotent import insert_once


class VisitsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_key(self, person_id: str, client_key: str) -> Visit | None:
        return self.session.scalars(
            select(Visit).where(Visit.person_id == person_id, Visit.client_key == client_key)
        ).first()

    def add(self, row: Visit) -> Visit | None:
        """Insert once; None when the same client key was stored concurrently."""
        return row if insert_once(self.session, row) else None

    def get(self, visit_id: int) -> Visit | None:
        return self.session.get(Visit, visit_id)

    def between(
        self, start: datetime, end: datetime, *, person_ids: Sequence[str] | None = None, limit: int = 100_000
    ) -> list[Visit]:
        stmt = select(Visit).where(Visit.visited_at >= start, Visit.visited_at < end)
        if person_ids is not None:
            stmt = stmt.where(Visit.person_id.in_(list(person_ids)))
        return list(self.session.scalars(stmt.order_by(Visit.visited_at.desc(), Visit.id.desc()).limit(limit)))
