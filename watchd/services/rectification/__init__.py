"""The rectification ledger (整改台账, issue 17 part 4): `ledger` (open, list, sign off) and
`reminders` (texts before the deadline); `RectificationService` is what the rest of watchd holds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from watchd.db.session import Database
from watchd.services.auth import Principal
from watchd.services.rectification.ledger import SOURCE_KINDS, ItemView, Ledger, NewItem
from watchd.services.rectification.reminders import DeadlineReminders
from watchd.services.visits import ReminderMessage, ReminderSink
from watchd.settings.root import Settings

__all__ = ["SOURCE_KINDS", "ItemView", "NewItem", "RectificationService"]


class RectificationService:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        data_dir: Path,
        clock: Callable[[], datetime],
        *,
        reminders: ReminderSink | None = None,
    ) -> None:
        self.ledger = Ledger(db, settings, data_dir, clock)
        self.deadlines = DeadlineReminders(
            db, self.ledger, settings.rectification.remind_days_before, clock, reminders
        )

    def open_item(self, actor: Principal, new: NewItem) -> ItemView:
        return self.ledger.open_item(actor, new)

    def sign_off(self, actor: Principal, item_id: int, note: str, photo: bytes | None) -> ItemView:
        return self.ledger.sign_off(actor, item_id, note, photo)

    def items(self, actor: Principal, *, status: str | None = None, overdue: bool = False) -> list[ItemView]:
        return self.ledger.items(actor, status=status, overdue=overdue)

    def item(self, actor: Principal, item_id: int) -> ItemView:
        return self.ledger.item(actor, item_id)

    def photo(self, actor: Principal, item_id: int) -> Path | None:
        return self.ledger.photo(actor, item_id)

    def send_reminders(self) -> list[ReminderMessage]:
        return self.deadlines.send()
