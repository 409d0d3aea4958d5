"""The duty-room desk's presence timeline: segments of present / absent / unknown, one open at a time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from watchd.db.models import DutyPresence
from watchd.db.repositories.idempotent import insert_once


class DutyPresenceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

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
