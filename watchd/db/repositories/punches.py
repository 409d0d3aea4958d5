"""Raw punches from vendor terminals, stored once under their natural key (serial, device user, device time)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from watchd.db.models import RawPunch
from watchd.db.repositories.idempotent import dialect_insert


@dataclass(frozen=True, slots=True)
class UnknownUserRow:
    device_id: str
    device_user: str
    user_name: str | None
    punches: int
    first_time: str
    last_time: str


@dataclass(frozen=True, slots=True)
class Outcome:
    punch_id: int
    state: str
    reason: str | None = None
    person_id: str | None = None
    checkin_id: int | None = None


class PunchesRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def insert_new(self, rows: Sequence[Mapping[str, object]]) -> list[int]:
        """Insert the rows whose natural key is new; return the ids of those inserted."""
        if not rows:
            return []
        stmt = (
            dialect_insert(self.session, RawPunch)
            .on_conflict_do_nothing(index_elements=["serial", "device_user", "device_time"])
            .returning(RawPunch.id)
        )
        return list(self.session.scalars(stmt, [dict(r) for r in rows]))

    def pending(self, device_id: str | None, limit: int) -> Sequence[RawPunch]:
        stmt = select(RawPunch).where(RawPunch.state == "pending")
        if device_id is not None:
            stmt = stmt.where(RawPunch.device_id == device_id)
        return self.session.scalars(stmt.order_by(RawPunch.id).limit(limit)).all()

    def set_outcomes(self, outcomes: Iterable[Outcome]) -> None:
        """One executemany UPDATE by primary key for all of them."""
        rows = [
            {"id": o.punch_id, "state": o.state, "reason": o.reason, "person_id": o.person_id, "checkin_id": o.checkin_id}
            for o in outcomes
        ]
        if rows:
            self.session.execute(update(RawPunch), rows)

    def get(self, punch_id: int) -> RawPunch | None:
        return self.session.get(RawPunch, punch_id)

    def of_user(self, device_user: str, *, device_id: str | None, states: Sequence[str]) -> Sequence[RawPunch]:
        stmt = select(RawPunch).where(RawPunch.device_user == device_user, RawPunch.state.in_(states))
        if device_id is not None:
            stmt = stmt.where(RawPunch.device_id == device_id)
        return self.session.scalars(stmt.order_by(RawPunch.id)).all()

    def search(
        self, *, state: str | None, device_id: str | None, device_user: str | None, limit: int, offset: int
    ) -> Sequence[RawPunch]:
        stmt = select(RawPunch)
        if state is not None:
            stmt = stmt.where(RawPunch.state == state)
        if device_id is not None:
            stmt = stmt.where(RawPunch.device_id == device_id)
        if device_user is not None:
            stmt = stmt.where(RawPunch.device_user == device_user)
        return self.session.scalars(stmt.order_by(RawPunch.id.desc()).limit(limit).offset(offset)).all()

    def unknown_users(self) -> list[UnknownUserRow]:
        rows = self.session.execute(
            select(
                RawPunch.device_id, RawPunch.device_user, func.max(RawPunch.user_name), func.count(),
                func.min(RawPunch.device_time), func.max(RawPunch.device_time),
            )
            .where(RawPunch.state == "unmapped")
            .group_by(RawPunch.device_id, RawPunch.device_user)
            .order_by(RawPunch.device_id, RawPunch.device_user)
        )
        return [UnknownUserRow(d, u, n, int(c), first, last) for d, u, n, c, first, last in rows]

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        rows = self.session.execute(
            select(RawPunch.device_id, RawPunch.state, func.count()).group_by(RawPunch.device_id, RawPunch.state)
        )
        for device_id, state, count in rows:
            out.setdefault(device_id, {})[state] = int(count)
        return out

    def count(self, device_id: str | None = None) -> int:
        stmt = select(func.count()).select_from(RawPunch)
        if device_id is not None:
            stmt = stmt.where(RawPunch.device_id == device_id)
        return int(self.session.scalar(stmt) or 0)
