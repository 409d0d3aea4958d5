"""Notes written in the duty log (值班日志) during a shift."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchd.db.models import DutyNote


class DutyNotesRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

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
