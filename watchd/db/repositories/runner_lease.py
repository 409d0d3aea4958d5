"""The alert runner's lease: only its holder runs escalation and delivery, so two processes never send
the same message."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from watchd.db.models import RunnerLease
from watchd.db.repositories.idempotent import insert_once


class RunnerLeaseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def take(self, name: str, owner: str, now: datetime, until: datetime) -> tuple[bool, bool]:
        """(held, taken_over): renew our lease, take an expired one, or fail. Atomic on both databases."""
        current = self.session.scalars(select(RunnerLease).where(RunnerLease.name == name)).first()
        if current is None:
            return (True, True) if insert_once(self.session, RunnerLease(name=name, owner=owner, expires_at=until)) else (False, False)
        previous = current.owner
        result = self.session.execute(
            update(RunnerLease)
            .where(RunnerLease.name == name, or_(RunnerLease.owner == owner, RunnerLease.expires_at <= now))
            .values(owner=owner, expires_at=until)
            .execution_options(synchronize_session=False)
        )
        held = int(result.rowcount or 0) == 1  # type: ignore[attr-defined]
        return held, held and previous != owner

    def release(self, name: str, owner: str) -> None:
        self.session.execute(delete(RunnerLease).where(RunnerLease.name == name, RunnerLease.owner == owner))
