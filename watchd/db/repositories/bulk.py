"""Bulk inserts for loading history (e.g. check-ins exported from an old system) and benchmarks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from watchd.db.models import Checkin, Person, PersonVillage, PlanItem, WorkLog


class BulkLoader:
    def __init__(self, session: Session) -> None:
        self.session = session

    def people(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self.session.execute(insert(Person), list(rows))

    def person_villages(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self.session.execute(insert(PersonVillage), list(rows))

    def checkins(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self.session.execute(insert(Checkin), list(rows))

    def work_logs(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self.session.execute(insert(WorkLog), list(rows))

    def plan_items(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self.session.execute(insert(PlanItem), list(rows))
