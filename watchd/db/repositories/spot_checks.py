"""Spot checks (查岗): plans and checks. Every change of a check's status is a compare-and-set on the
status it had, so two processes (or a retried tick) never both issue, answer or miss the same check."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from watchd.db.models import SpotCheck, SpotCheckPlan
from watchd.db.repositories.idempotent import insert_once


class SpotChecksRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def has_plan(self, room_id: str, day: date) -> bool:
        found = self.session.scalar(
            select(SpotCheckPlan.id).where(SpotCheckPlan.room_id == room_id, SpotCheckPlan.day == day)
        )
        return found is not None

    def add_plan(self, plan: SpotCheckPlan, checks: Sequence[SpotCheck]) -> bool:
        """The plan and its checks; False (nothing written) when the shift was drawn already."""
        if not insert_once(self.session, plan):
            return False
        self.session.add_all(checks)
        self.session.flush()
        return True

    def add(self, check: SpotCheck) -> bool:
        return insert_once(self.session, check)

    def get(self, check_id: int) -> SpotCheck | None:
        return self.session.get(SpotCheck, check_id)

    def move(self, check_id: int, from_status: str, **values: Any) -> bool:
        """Set `values` when the check still has `from_status`; False when someone else moved it first."""
        result = self.session.execute(
            update(SpotCheck)
            .where(SpotCheck.id == check_id, SpotCheck.status == from_status)
            .values(**values)
        )
        self.session.expire_all()
        return bool(getattr(result, "rowcount", 0))

    def due(self, now: datetime) -> Sequence[SpotCheck]:
        """Planned checks whose time has come, oldest first."""
        return self.session.scalars(
            select(SpotCheck)
            .where(SpotCheck.status == "planned", SpotCheck.planned_at <= now)
            .order_by(SpotCheck.planned_at, SpotCheck.id)
        ).all()

    def overdue(self, now: datetime) -> Sequence[SpotCheck]:
        """Open checks past their answer time."""
        return self.session.scalars(
            select(SpotCheck)
            .where(SpotCheck.status == "open", SpotCheck.due_at <= now)
            .order_by(SpotCheck.due_at, SpotCheck.id)
        ).all()

    def open_checks(self, channel: str) -> Sequence[SpotCheck]:
        return self.session.scalars(
            select(SpotCheck)
            .where(SpotCheck.status == "open", SpotCheck.channel == channel)
            .order_by(SpotCheck.due_at, SpotCheck.id)
        ).all()

    def with_code(self, channel: str, code: str, since: datetime) -> Sequence[SpotCheck]:
        """Checks of the channel with this code issued since `since` (open or settled), newest first."""
        return self.session.scalars(
            select(SpotCheck)
            .where(SpotCheck.channel == channel, SpotCheck.code == code, SpotCheck.issued_at >= since)
            .order_by(SpotCheck.issued_at.desc(), SpotCheck.id.desc())
        ).all()

    def of_shift(self, room_id: str, day: date) -> Sequence[SpotCheck]:
        return self.session.scalars(
            select(SpotCheck)
            .where(SpotCheck.room_id == room_id, SpotCheck.day == day)
            .order_by(SpotCheck.planned_at, SpotCheck.id)
        ).all()

    def misses(self, room_id: str, day: date) -> int:
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(SpotCheck)
                .where(SpotCheck.room_id == room_id, SpotCheck.day == day, SpotCheck.status == "missed")
            )
            or 0
        )

    def next_started_seq(self, room_id: str, day: date) -> int:
        """The next number for a check a leader starts (from 1000)."""
        top = self.session.scalar(
            select(func.max(SpotCheck.seq)).where(SpotCheck.room_id == room_id, SpotCheck.day == day)
        )
        return max(1000, (top or 0) + 1)

    def between(self, first: date, last: date) -> Sequence[SpotCheck]:
        """Settled checks of the shifts from `first` to `last` (the monthly report)."""
        return self.session.scalars(
            select(SpotCheck)
            .where(
                SpotCheck.day >= first, SpotCheck.day <= last, SpotCheck.status.in_(("answered", "missed"))
            )
            .order_by(SpotCheck.day, SpotCheck.planned_at)
        ).all()
