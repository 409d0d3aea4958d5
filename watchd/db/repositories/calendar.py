"""The calendar corrections kept by hand (a workday or a day off the holiday data does not know)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from watchd.db.models import CalendarOverride
from watchd.db.repositories.idempotent import upsert


class CalendarRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def overrides(self, first: date | None = None, last: date | None = None) -> list[CalendarOverride]:
        stmt = select(CalendarOverride).order_by(CalendarOverride.day)
        if first is not None:
            stmt = stmt.where(CalendarOverride.day >= first)
        if last is not None:
            stmt = stmt.where(CalendarOverride.day <= last)
        return list(self.session.scalars(stmt))

    def set(self, day: date, *, workday: bool, name: str, now: datetime, by: str) -> None:
        upsert(
            self.session, CalendarOverride.__table__,
            [{"day": day, "workday": workday, "name": name, "updated_at": now, "updated_by": by}], ("day",),
        )

    def remove(self, day: date) -> bool:
        result = self.session.execute(delete(CalendarOverride).where(CalendarOverride.day == day))
        return bool(getattr(result, "rowcount", 0))
