"""The visit service: household pairings (结亲/包户) imported from the office's table, the cadres'
visits, each month's compliance and the reminders, behind the one object the rest of watchd holds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path

from watchd.db.session import Database
from watchd.services.auth import Principal
from watchd.services.visits.pairings import Pairings
from watchd.services.visits.pairings_import import ImportReport, PairingsImport
from watchd.services.visits.reminders import ReminderMessage, Reminders, ReminderSink
from watchd.services.visits.views import PairingView, ReminderView, VisitView
from watchd.services.visits.visits import NewVisit, Visits
from watchd.settings.root import Settings


class VisitService:
    def __init__(
        self, db: Database, settings: Settings, data_dir: Path, clock: Callable[[], datetime], *,
        reminders: ReminderSink | None = None,
    ) -> None:
        self.importer = PairingsImport(db, clock)
        self.months = Pairings(db, settings.zone)
        self.recorder = Visits(db, settings, data_dir, clock)
        self.reminder_desk = Reminders(db, settings, clock, self.months, reminders)

    def import_pairings(self, filename: str, data: bytes, *, replace: bool = False) -> ImportReport:
        return self.importer.import_pairings(filename, data, replace=replace)

    # -- pairings and compliance -------------------------------------------------------------------
    def pairings(self, month: date, *, person_ids: Sequence[str] | None = None) -> list[PairingView]:
        return self.months.pairings(month, person_ids=person_ids)

    def compliance(self, first: date, last: date, person_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
        return self.months.compliance(first, last, person_ids)

    def pairings_for(self, actor: Principal, month: date, person_id: str | None = None) -> list[PairingView]:
        return self.months.pairings_for(actor, month, person_id)

    # -- visits ------------------------------------------------------------------------------------
    def record_visit(self, actor: Principal, new: NewVisit) -> tuple[VisitView, bool]:
        return self.recorder.record_visit(actor, new)

    def visit(self, visit_id: int) -> VisitView:
        return self.recorder.visit(visit_id)

    def visits(self, actor: Principal, month: date, person_id: str | None = None) -> list[VisitView]:
        return self.recorder.visits(actor, month, person_id)

    def visit_photo(self, actor: Principal, visit_id: int) -> Path | None:
        return self.recorder.visit_photo(actor, visit_id)

    # -- reminders ---------------------------------------------------------------------------------
    def send_visit_reminders(self) -> list[ReminderMessage]:
        return self.reminder_desk.send_visit_reminders()

    def send_missed_lists(self, month: date) -> list[ReminderMessage]:
        return self.reminder_desk.send_missed_lists(month)

    def reminders(self, actor: Principal, month: str | None = None) -> list[ReminderView]:
        return self.reminder_desk.reminders(actor, month)
