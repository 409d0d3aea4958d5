"""The scheduler's runs (the last slot each job completed) and its PostgreSQL advisory lock."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from watchd.db.models import SchedulerRun


class SchedulerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def last_slot(self, job_id: str) -> datetime | None:
        row = self.session.get(SchedulerRun, job_id)
        return None if row is None else row.last_slot

    def runs(self) -> dict[str, SchedulerRun]:
        return {r.job_id: r for r in self.session.scalars(select(SchedulerRun))}

    def record(self, job_id: str, slot: datetime, now: datetime) -> None:
        row = self.session.get(SchedulerRun, job_id)
        if row is None:
            self.session.add(SchedulerRun(job_id=job_id, last_slot=slot, finished_at=now, runs=1))
        else:
            row.last_slot, row.finished_at, row.runs = max(row.last_slot, slot), now, row.runs + 1

    def try_advisory_lock(self, key: int) -> bool:
        """PostgreSQL: a session-level advisory lock on this session's connection (non-blocking).

        Advisory locks belong to the whole database, and installations kept apart by schema (a second
        township, a test) share it: the key is mixed with the schema's name, except in `public`, whose
        key stays the one every earlier version took (nodes of mixed versions still exclude each other)."""
        return bool(self.session.scalar(text(f"SELECT pg_try_advisory_lock({_SCHEMA_KEY})"), {"k": key}))

    def advisory_unlock(self, key: int) -> None:
        self.session.execute(text(f"SELECT pg_advisory_unlock({_SCHEMA_KEY})"), {"k": key})


_SCHEMA_KEY = "CASE WHEN current_schema() = 'public' THEN :k ELSE :k # hashtext(current_schema())::bigint END"
