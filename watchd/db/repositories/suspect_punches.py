"""Check-ins set aside because their device time cannot be right (they count nowhere until made up)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from watchd.db.models import SuspectPunch
from watchd.db.repositories.idempotent import insert_once


class SuspectPunchesRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: SuspectPunch) -> bool:
        """Set the check-in aside once; False when it already was."""
        if self.session.get(SuspectPunch, row.checkin_id) is not None:
            return False
        return insert_once(self.session, row)

    def received_on(self, day: date) -> list[SuspectPunch]:
        return list(
            self.session.scalars(
                select(SuspectPunch).where(SuspectPunch.received_day == day).order_by(SuspectPunch.received_at)
            )
        )

    def counts(self, first: date, last: date) -> dict[tuple[str, date], int]:
        """(person, day received) -> how many of their check-ins were set aside that day."""
        rows = self.session.execute(
            select(SuspectPunch.person_id, SuspectPunch.received_day, func.count())
            .where(SuspectPunch.received_day >= first, SuspectPunch.received_day <= last)
            .group_by(SuspectPunch.person_id, SuspectPunch.received_day)
        )
        return {(p, d): int(n) for p, d, n in rows}
