"""Visit reminders: a configurable number of days before the month ends, each cadre with unvisited
households gets a reminder; on the 1st, each organisation's leaders get the list of last month's
pairings without a visit. A reminder is recorded under a key (kind, month, person) before it is handed
to the message channel, so a re-run after downtime sends it once."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from watchd.db.models import Reminder
from watchd.db.repositories.people import PeopleRepository
from watchd.db.repositories.reminders import RemindersRepository
from watchd.db.session import Database
from watchd.domain.attendance.visits import reminder_day, reminder_due
from watchd.domain.checkin import local_day
from watchd.domain.leave import month_bounds
from watchd.services.auth import Principal
from watchd.services.leave import LEADER_ROLES, visible_people
from watchd.services.visits.pairings import Pairings
from watchd.services.visits.views import PairingView, ReminderView
from watchd.settings.root import Settings

log = logging.getLogger(__name__)
REMINDER_NAMES = 5  # households named in a cadre's reminder (one SMS); more end in 等
MISSED_LIST_CHARS = 300  # the leader's monthly list names cadres and households up to about this length


@dataclass(frozen=True, slots=True)
class ReminderMessage:
    key: str
    kind: str  # visit_reminder | visits_missed
    month: str  # YYYY-MM
    person_id: str | None
    phone: str | None
    text: str


class ReminderSink(Protocol):
    """Where reminders go out (the message outbox, e.g. SMS to `phone`). Called inside the unit of work
    that records the reminder, so it is recorded and queued together or not at all (an exception rolls
    both back and the job runs again)."""

    def deliver(self, session: Session, reminder: ReminderMessage) -> None: ...


class Reminders:
    def __init__(
        self, db: Database, settings: Settings, clock: Callable[[], datetime], pairings: Pairings,
        sink: ReminderSink | None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.zone = settings.zone
        self.clock = clock
        self.pairings = pairings
        self.sink = sink

    def send_visit_reminders(self) -> list[ReminderMessage]:
        """From the reminder day to the month's end: one reminder per cadre with unvisited households."""
        today = local_day(self.clock(), self.zone)
        days_before = self.settings.attendance.visit_reminder_days
        if not reminder_due(today, days_before):
            return []
        deadline = month_bounds(today)[1] - timedelta(days=1)
        by_person: dict[str, list[PairingView]] = defaultdict(list)
        for p in self.pairings.pairings(today):
            if p.active and not p.compliant:
                by_person[p.person_id].append(p)
        month = today.strftime("%Y-%m")
        messages = []
        for person_id, open_pairs in sorted(by_person.items()):
            names = "、".join(f"{p.household_name}户" for p in open_pairs[:REMINDER_NAMES])
            more = "等" if len(open_pairs) > REMINDER_NAMES else ""
            text = (
                f"【走访提醒】本月还有{len(open_pairs)}户未走访：{names}{more}，"
                f"请于{deadline.month}月{deadline.day}日前完成。"
            )
            messages.append(self._message("visit_reminder", month, person_id, text))
        sent = self._record(messages)
        log.info("visit reminders for %s (due %s): %d sent", month, reminder_day(today, days_before), len(sent))
        return sent

    def send_missed_lists(self, month: date) -> list[ReminderMessage]:
        """Tell each organisation's leaders which pairings had no visit in `month`."""
        missed = [p for p in self.pairings.pairings(month) if not p.compliant]
        by_org: dict[str, list[PairingView]] = defaultdict(list)
        for p in missed:
            by_org[p.organisation].append(p)
        with self.db.read() as s:
            people = [(p.id, p.organisation, p.role) for p in PeopleRepository(s).list_active()]
        label = month.strftime("%Y-%m")
        messages = []
        for org, pairs in sorted(by_org.items()):
            text = _missed_list_text(month, org, pairs)
            leaders = [pid for pid, porg, role in people if porg == org and role in LEADER_ROLES]
            if not leaders:
                log.warning("no leader in organisation %r to receive the %s missed-visit list", org, label)
                messages.append(self._message("visits_missed", label, None, text, key_suffix=org or "-"))
            for leader in leaders:
                messages.append(self._message("visits_missed", label, leader, text))
        return self._record(messages)

    def _message(
        self, kind: str, month: str, person_id: str | None, text: str, *, key_suffix: str | None = None
    ) -> ReminderMessage:
        phone = None
        if person_id is not None:
            with self.db.read() as s:
                person = PeopleRepository(s).get(person_id)
                phone = person.phone if person else None
        key = f"{kind}:{month}:{person_id or key_suffix}"
        return ReminderMessage(key=key, kind=kind, month=month, person_id=person_id, phone=phone, text=text)

    def _record(self, messages: Sequence[ReminderMessage]) -> list[ReminderMessage]:
        return record_reminders(self.db, self.sink, self.clock(), messages)

    def reminders(self, actor: Principal, month: str | None = None) -> list[ReminderView]:
        with self.db.read() as s:
            allowed = visible_people(PeopleRepository(s), actor)
            rows = RemindersRepository(s).search(person_id=None, month=month, limit=2000)
            return [
                ReminderView(r.key, r.kind, r.month, r.person_id, r.text, r.created_at)
                for r in rows if allowed is None or r.person_id in allowed
            ]


def record_reminders(
    db: Database, sink: ReminderSink | None, now: datetime, messages: Sequence[ReminderMessage]
) -> list[ReminderMessage]:
    """Record each reminder once under its key and hand the new ones to `sink` in the same unit of work;
    the ones recorded before (a re-run) are skipped. Used by the visit and the work-log reminders."""
    fresh = []
    with db.unit_of_work() as s:
        repo = RemindersRepository(s)
        for m in messages:
            if repo.add(
                Reminder(key=m.key[:160], kind=m.kind, person_id=m.person_id, month=m.month, text=m.text,
                         created_at=now)
            ):
                fresh.append(m)
                if sink is not None:
                    sink.deliver(s, m)  # queued in this transaction: recorded and queued, or neither
    if sink is None:
        for m in fresh:
            log.info("reminder %s (no message channel configured): %s", m.key, m.text)
    return fresh


def _missed_list_text(month: date, org: str, pairs: Sequence[PairingView]) -> str:
    """【走访月报】2026年11月苏木政府有3个结对户未走访：其其格（敖登户、乌兰户）、巴特尔（孟和户），详见走访情况报表。"""
    by_cadre: dict[str, list[PairingView]] = defaultdict(list)
    for p in pairs:
        by_cadre[p.person_id].append(p)
    entries: list[str] = []
    for cadre_pairs in by_cadre.values():
        names = "、".join(f"{p.household_name}户" for p in cadre_pairs[:REMINDER_NAMES])
        entry = f"{cadre_pairs[0].person_name}（{names}{'等' if len(cadre_pairs) > REMINDER_NAMES else ''}）"
        if entries and sum(len(e) + 1 for e in entries) + len(entry) > MISSED_LIST_CHARS:
            entries[-1] += "等"
            break
        entries.append(entry)
    head = f"【走访月报】{month.year}年{month.month}月{org or '未分组'}有{len(pairs)}个结对户未走访："
    return f"{head}{'、'.join(entries)}，详见走访情况报表。"
