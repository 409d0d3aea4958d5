"""Writes that may meet a row already there (a replay, a concurrent writer): insert once, upsert.

Every repository that stores something under a natural key writes it through these, on SQLite
and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def dialect_insert(session: Session, table: Any) -> Any:
    """INSERT for the session's database, with its ON CONFLICT clauses."""
    module: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return module.insert(table)


def insert_once(session: Session, row: object) -> bool:
    """Insert the ORM row in a savepoint; False (and nothing written) when a unique key already exists."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True


def upsert(session: Session, table: Any, rows: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE every other column."""
    if not rows:
        return
    stmt = dialect_insert(session, table)
    updates = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
    session.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=updates), list(rows))
