"""Raw punches, the device-user mapping and terminal states."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from watchd.db.models import Person, RawPunch, TerminalState, TerminalUserMap

ALL_TERMINALS = "*"


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

    # -- raw punches --------------------------------------------------------------------------
    def insert_new(self, rows: Sequence[Mapping[str, object]]) -> list[int]:
        """Insert the rows whose natural key is new; return the ids of those inserted."""
        if not rows:
            return []
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = (
            insert(RawPunch)
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

    # -- mapping ------------------------------------------------------------------------------
    def maps_for(self, device_ids: Iterable[str], users: Iterable[str]) -> dict[tuple[str, str], str | None]:
        """(scope, device user) -> person id (None: ignored) for the given devices and '*'."""
        scopes = {*device_ids, ALL_TERMINALS}
        users = set(users)
        if not users:
            return {}
        rows = self.session.execute(
            select(TerminalUserMap.scope, TerminalUserMap.device_user, TerminalUserMap.person_id).where(
                TerminalUserMap.scope.in_(scopes), TerminalUserMap.device_user.in_(users)
            )
        )
        return {(scope, user): person for scope, user, person in rows}

    def active_people(self, ids: Iterable[str]) -> set[str]:
        ids = set(ids)
        if not ids:
            return set()
        return set(self.session.scalars(select(Person.id).where(Person.id.in_(ids), Person.deleted_at.is_(None))))

    def list_maps(self) -> list[tuple[TerminalUserMap, str | None]]:
        rows = self.session.execute(
            select(TerminalUserMap, Person.name)
            .outerjoin(Person, Person.id == TerminalUserMap.person_id)
            .order_by(TerminalUserMap.scope, TerminalUserMap.device_user)
        )
        return [(m, name) for m, name in rows]

    def get_map(self, scope: str, device_user: str) -> TerminalUserMap | None:
        return self.session.get(TerminalUserMap, (scope, device_user))

    def set_map(self, scope: str, device_user: str, person_id: str | None, now: datetime) -> TerminalUserMap:
        row = self.get_map(scope, device_user)
        if row is None:
            row = TerminalUserMap(scope=scope, device_user=device_user, person_id=person_id, updated_at=now)
            self.session.add(row)
        else:
            row.person_id, row.updated_at = person_id, now
        self.session.flush()
        return row

    def delete_map(self, scope: str, device_user: str) -> bool:
        result = self.session.execute(
            delete(TerminalUserMap).where(TerminalUserMap.scope == scope, TerminalUserMap.device_user == device_user)
        )
        return bool(getattr(result, "rowcount", 0))

    # -- terminal states ----------------------------------------------------------------------
    def state(self, device_id: str) -> TerminalState:
        row = self.session.get(TerminalState, device_id)
        if row is None:
            row = TerminalState(device_id=device_id, detail="")
            self.session.add(row)
            self.session.flush()
        return row

    def find_state(self, device_id: str) -> TerminalState | None:
        return self.session.get(TerminalState, device_id)

    def states(self) -> dict[str, TerminalState]:
        return {s.device_id: s for s in self.session.scalars(select(TerminalState))}

    def push_states(self) -> Sequence[TerminalState]:
        """States of devices that call us (their presence is judged from their last contact)."""
        return self.session.scalars(
            select(TerminalState).where(
                TerminalState.presence_timeout_s.is_not(None),
                or_(TerminalState.last_contact_at.is_not(None), TerminalState.online.is_not(None)),
            )
        ).all()
