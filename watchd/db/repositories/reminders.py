"""Reminders sent (visit reminders, missed-visit lists), each recorded once under its key."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchd.db.models import Reminder
from watchd.db.repositories.idempotent import insert_once


class RemindersRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: Reminder) -> bool:
        """Record a reminder once per key; False when it was already sent."""
        if self.session.scalars(select(Reminder.id).where(Reminder.key == row.key)).first() is not None:
            return False
        return insert_once(self.session, row)

    def search(self, *, person_id: str | None, month: str | None, limit: int) -> list[Reminder]:
        stmt = select(Reminder)
        if person_id is not None:
            stmt = stmt.where(Reminder.person_id == person_id)
        if month is not None:
            stmt = stmt.where(Reminder.month == month)
        return list(self.session.scalars(stmt.order_by(Reminder.created_at.desc(), Reminder.id.desc()).limit(limit)))
