"""Settled attendance days: the stored day records, which days are settled, and the settlement's cursors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Float, Row, and_, case, cast, func, select
from sqlalchemy.orm import Session

from watchd.db.models import AttendanceCursor, AttendanceDay, SettledDay
from watchd.db.repositories.idempotent import upsert

_DETAIL = frozenset({"schedule", "sessions", "first_punch_at", "last_punch_at", "settled_at"})


class AttendanceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- day records ---------------------------------------------------------------------------
    def upsert_days(self, rows: Sequence[Mapping[str, Any]]) -> None:
        upsert(self.session, AttendanceDay.__table__, rows, ("person_id", "day"))

    def days(self, first: date, last: date, person_ids: Sequence[str] | None = None) -> list[AttendanceDay]:
        stmt = select(AttendanceDay).where(AttendanceDay.day >= first, AttendanceDay.day <= last)
        if person_ids is not None:
            stmt = stmt.where(AttendanceDay.person_id.in_(list(person_ids)))
        return list(self.session.scalars(stmt.order_by(AttendanceDay.day, AttendanceDay.person_id)))

    def day_sums(self, first: date, last: date) -> list[Row[Any]]:
        """The day records without their sessions and punch times, as plain rows with the column names as
        attributes: what the monthly sums need, fast for a whole month."""
        columns = [c for c in AttendanceDay.__table__.columns if c.name not in _DETAIL]
        stmt = select(*columns).where(AttendanceDay.day >= first, AttendanceDay.day <= last)
        return list(self.session.connection().execute(stmt))

    def settled_sums(
        self, first: date, last: date, workday_kinds: Sequence[str]
    ) -> list[tuple[str, str, int, int, float]]:
        """Per person and organisation over the settled days of [first, last], in one grouped query:
        (person_id, organisation, village days, late count, absent days), the last two counted on
        working days with sessions only (absent days: absent sessions / sessions, summed)."""
        d = AttendanceDay
        counted = and_(d.kind.in_(list(workday_kinds)), d.session_count > 0)
        stmt = (
            select(
                d.person_id,
                d.organisation,
                func.count(d.village_site_id),
                func.coalesce(func.sum(case((counted, d.late_count), else_=0)), 0),
                func.coalesce(func.sum(case((counted, cast(d.absent_sessions, Float) / d.session_count), else_=0.0)), 0.0),
            )
            .join(SettledDay, SettledDay.day == d.day)
            .where(d.day >= first, d.day <= last)
            .group_by(d.person_id, d.organisation)
        )
        return [(p, o, int(v), int(late), float(a)) for p, o, v, late, a in self.session.execute(stmt)]

    # -- settled days --------------------------------------------------------------------------
    def settled_days(self, first: date, last: date) -> dict[date, SettledDay]:
        rows = self.session.scalars(select(SettledDay).where(SettledDay.day >= first, SettledDay.day <= last))
        return {r.day: r for r in rows}

    def last_settled_day(self) -> date | None:
        return self.session.scalar(select(func.max(SettledDay.day)))

    def mark_settled(
        self, day: date, *, now: datetime, provisional: bool, lagging: Sequence[str], people: int
    ) -> None:
        upsert(
            self.session, SettledDay.__table__,
            [{"day": day, "settled_at": now, "provisional": provisional, "lagging_devices": list(lagging),
              "people": people}],
            ("day",),
        )

    # -- cursors -------------------------------------------------------------------------------
    def cursor(self, name: str) -> int | None:
        row = self.session.get(AttendanceCursor, name)
        return None if row is None else row.position

    def set_cursor(self, name: str, position: int, now: datetime) -> None:
        upsert(self.session, AttendanceCursor.__table__, [{"name": name, "position": position, "updated_at": now}],
               ("name",))
