"""Which person a terminal's device user is (on one terminal, or on every terminal: scope '*')."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from watchd.db.models import Person, TerminalUserMap

ALL_TERMINALS = "*"


class TerminalUsersRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

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
