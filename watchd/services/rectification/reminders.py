"""Deadline reminders of the rectification ledger: `remind_days_before` days before an open item's
deadline (and each day after that until the deadline, if the server was down) its owner gets one
text, recorded under the key (item, deadline) like the visit reminders, so a re-run sends nothing
twice and a moved deadline is reminded again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from watchd.db.models import Reminder
from watchd.db.repositories.people import PeopleRepository
from watchd.db.repositories.rectifications import RectificationsRepository
from watchd.db.repositories.reminders import RemindersRepository
from watchd.db.session import Database
from watchd.services.rectification.ledger import Ledger
from watchd.services.visits import ReminderMessage, ReminderSink

log = logging.getLogger(__name__)
KIND = "rectification_due"


class DeadlineReminders:
    def __init__(
        self,
        db: Database,
        ledger: Ledger,
        days_before: int,
        clock: Callable[[], datetime],
        sink: ReminderSink | None,
    ) -> None:
        self.db = db
        self.ledger = ledger
        self.days_before = days_before
        self.clock = clock
        self.sink = sink

    def send(self) -> list[ReminderMessage]:
        today = self.ledger.today()
        horizon = today + timedelta(days=self.days_before + 1)
        sent = []
        with self.db.unit_of_work() as s:
            people, reminders = PeopleRepository(s), RemindersRepository(s)
            for item in RectificationsRepository(s).search(owner_ids=None, status="open", due_before=horizon):
                if item.deadline < today:
                    continue  # overdue: on the overdue list, not reminded again
                owner = people.get(item.owner_id)
                days = (item.deadline - today).days
                when = "今天" if days == 0 else f"{days}天后（{item.deadline.month}月{item.deadline.day}日）"
                text = f"【整改提醒】整改事项“{item.problem[:60]}”{when}到期，整改措施：{item.measure[:60]}。请按期整改并报领导销号。"
                message = ReminderMessage(
                    key=f"{KIND}:{item.id}:{item.deadline.isoformat()}",
                    kind=KIND,
                    month=f"{item.deadline:%Y-%m}",
                    person_id=item.owner_id,
                    phone=owner.phone if owner else None,
                    text=text,
                )
                if not reminders.add(
                    Reminder(
                        key=message.key,
                        kind=KIND,
                        person_id=message.person_id,
                        month=message.month,
                        text=text,
                        created_at=self.clock(),
                    )
                ):
                    continue
                if self.sink is not None:
                    self.sink.deliver(s, message)
                sent.append(message)
        log.info("rectification reminders: %d sent", len(sent))
        return sent
