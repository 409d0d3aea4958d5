"""The daily reminder: at `[worklog] remind_at` on a working day, whoever owes today's entry and has not
written it gets one text message through the alert outbox (recorded under `worklog_reminder:DAY:PERSON`,
so a re-run or a second process sends nothing more)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime

from watchd.db.repositories.people import PeopleRepository
from watchd.db.repositories.worklog import WorklogRepository
from watchd.db.session import Database
from watchd.domain.checkin import local_day
from watchd.domain.worklog import OwnerKind
from watchd.services.visits import ReminderMessage, ReminderSink, record_reminders
from watchd.services.worklog.logs import LeaveDays, no_leave, owes_log
from watchd.settings.root import Settings

log = logging.getLogger(__name__)
KIND = "worklog_reminder"


def reminder_text(day: date) -> str:
    return f"【工作日志】您{day.month}月{day.day}日的工作日志还未填写，请打开“工作日志”页填写（约3分钟）。"


class WorkLogReminders:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        clock: Callable[[], datetime],
        is_workday: Callable[[date], bool],
        sink: ReminderSink | None,
        leave_days: LeaveDays = no_leave,
    ) -> None:
        self.db = db
        self.leave_days = leave_days
        self.settings = settings
        self.clock = clock
        self.is_workday = is_workday
        self.sink = sink

    def send(self, slot: datetime | None = None) -> list[ReminderMessage]:
        """Remind for the day of `slot` (the scheduler's due time; a run caught up the next morning still
        reminds for the day it was due), or for today once `remind_at` has passed."""
        config, zone = self.settings.worklog, self.settings.zone
        now = self.clock()
        at = (slot or now).astimezone(zone)
        day = at.date()
        if not config.reminders or not self.is_workday(day) or at.time() < config.remind_at:
            return []
        roles = {r.value for r in config.roles}
        with self.db.read() as s:
            rows = [
                r
                for r in PeopleRepository(s).rows()
                if r.deleted_at is None and owes_log(r, roles, day, lambda at: local_day(at, zone))
            ]
            wrote = {o for o, _d in WorklogRepository(s).written_days(OwnerKind.person, None, day, day)}
        on_leave = self.leave_days([r.id for r in rows], day, day) if rows else {}
        text = reminder_text(day)
        messages = [
            ReminderMessage(
                key=f"{KIND}:{day.isoformat()}:{r.id}",
                kind=KIND,
                month=day.strftime("%Y-%m"),
                person_id=r.id,
                phone=r.phone,
                text=text,
            )
            for r in rows
            if r.id not in wrote and day not in on_leave.get(r.id, ())
        ]
        sent = record_reminders(self.db, self.sink, now, messages)
        log.info("work-log reminders for %s: %d owed, %d sent", day, len(messages), len(sent))
        return sent
