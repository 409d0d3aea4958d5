"""The notice service: upkeep conditions for the administrator, stored, shown and sent once.

It is the `NoticeSink` producers report to (holiday data, disk space, the TLS certificate, unmapped
terminal users, lost nodes, camera keyframe intervals). One row per key while the condition lasts:
a repeat changes nothing but the time last seen (and the text, which may carry a newer figure), a
clearing report resolves it, and a later return opens a new row. An administrator may acknowledge
a notice: it stays listed while the condition lasts, and is not sent any more.

Each notice is sent once to the administrator contacts (`[notices] contacts`) as a direct message
through the alert outbox (`watchd/alerts/direct.py`), within working hours only; one raised at
night waits for the morning. Notices never reach the on-call chain and never escalate.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from watchd.alerts.direct import DirectMessage, write_direct
from watchd.alerts.service import AlertService
from watchd.db.models import NoticeRecord
from watchd.db.repositories.alerts import AlertsRepository
from watchd.db.repositories.notices import NoticesRepository
from watchd.db.repositories.people import PeopleRepository
from watchd.db.session import Database
from watchd.domain.notices import Notice, NoticeKind, in_working_hours, kind_label
from watchd.errors import Invalid, NotFound
from watchd.settings.root import Settings

log = logging.getLogger(__name__)
PURPOSE = "notice"
MAX_TEXT = 500


@dataclass(frozen=True, slots=True)
class NoticeView:
    id: int
    kind: str
    kind_label: str
    subject: str
    text: str
    details: dict[str, Any]
    active: bool
    first_seen_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    sent_at: datetime | None


def notice_view(row: NoticeRecord) -> NoticeView:
    """Times in UTC, like every service view; the API shows them in the township's zone (api/views.py)."""
    return NoticeView(
        id=row.id, kind=row.kind, kind_label=kind_label(row.kind), subject=row.subject, text=row.text,
        details=dict(row.details), active=row.active_key is not None, first_seen_at=row.first_seen_at,
        last_seen_at=row.last_seen_at, resolved_at=row.resolved_at, acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by, sent_at=row.sent_at,
    )


def _json_safe(details: Iterable[tuple[str, object]]) -> dict[str, Any]:
    return {str(k): v if isinstance(v, str | int | float | bool) or v is None else str(v) for k, v in details}


class NoticeService:
    def __init__(self, db: Database, settings: Settings, clock: Callable[[], datetime], alerts: AlertService) -> None:
        self.db = db
        self.config = settings.notices
        self.township = settings.township
        self.zone = settings.zone
        self.clock = clock
        self.alerts = alerts
        alerts.notices = self  # an alert that reaches nobody of its own raises a notice here
        # Whether a date is a working day (the attendance calendar); set by the composition root.
        self.workday: Callable[[date], bool] | None = None

    # -- the sink ----------------------------------------------------------------------------------
    def notice(self, notice: Notice) -> None:
        """NoticeSink. Idempotent while the condition lasts; never raises into the producer."""
        try:
            self.record(notice)
        except Exception:
            log.exception("notice %s not recorded", notice.key)

    def record(self, notice: Notice) -> str:
        """'opened', 'repeat', 'resolved' or 'ignored' (a clearing report with nothing open)."""
        if notice.observed_at.tzinfo is None:
            raise Invalid("naive_time", f"notice {notice.key}: observed_at has no time zone")
        for attempt in range(3):
            try:
                return self._record(notice)
            except IntegrityError:  # another process opened the same key first: decide again
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _record(self, notice: Notice) -> str:
        now = self.clock()
        key = notice.key[:200]
        text = notice.text[:MAX_TEXT]
        send_now = notice.active and self._may_send(now)  # reads the calendar: before the write transaction
        with self.db.unit_of_work() as s:
            repo = NoticesRepository(s)
            row = repo.active_by_key(key, lock=True)
            if not notice.active:
                if row is None:
                    return "ignored"
                row.active_key, row.resolved_at, row.last_seen_at = None, now, notice.observed_at
                log.info("notice %s cleared", key)
                return "resolved"
            if row is not None:
                row.last_seen_at = max(row.last_seen_at, notice.observed_at)
                if text and text != row.text:
                    row.text = text
                row.details = _json_safe(notice.details.items())
                return "repeat"
            row = repo.add(NoticeRecord(
                key=key, active_key=key, kind=notice.kind.value, subject=notice.subject[:150], text=text,
                details=_json_safe(notice.details.items()), first_seen_at=notice.observed_at,
                last_seen_at=notice.observed_at,
            ))
            log.warning("NOTICE for the administrator: %s: %s", key, text)
            if send_now:
                self._send(s, row, now)
            return "opened"

    def sync(self, kind: NoticeKind, current: Iterable[Notice], *, clear: Callable[[str], bool] | None = None) -> None:
        """Report every notice of `kind` in `current`; clear the open ones of that kind not in it (or,
        with `clear`, only those whose subject it accepts)."""
        now = self.clock()
        present = {n.subject: n for n in current}
        for n in present.values():
            self.notice(n)
        with self.db.read() as s:
            open_subjects = [r.subject for r in NoticesRepository(s).active([kind.value])]
        for subject in open_subjects:
            if subject not in present and (clear is None or clear(subject)):
                self.notice(Notice(kind=kind, subject=subject, observed_at=now, active=False))

    # -- administrators ----------------------------------------------------------------------------
    def acknowledge(self, notice_id: int, actor: str) -> NoticeView:
        """The administrator has seen it: it stays listed while it lasts, and is not sent any more."""
        now = self.clock()
        with self.db.unit_of_work() as s:
            row = NoticesRepository(s).get(notice_id, lock=True)
            if row is None:
                raise NotFound("notice_not_found", f"no notice {notice_id}")
            if row.acknowledged_at is None:
                row.acknowledged_at, row.acknowledged_by = now, actor[:100]
                log.info("notice %s acknowledged by %s", row.key, actor)
            return notice_view(row)

    def active(self) -> list[NoticeView]:
        with self.db.read() as s:
            return [notice_view(r) for r in NoticesRepository(s).active()]

    def recent(self, limit: int = 100) -> list[NoticeView]:
        with self.db.read() as s:
            return [notice_view(r) for r in NoticesRepository(s).recent(limit)]

    def active_counts(self) -> dict[str, int]:
        with self.db.read() as s:
            return NoticesRepository(s).active_counts()

    # -- sending -----------------------------------------------------------------------------------
    def send_due(self) -> int:
        """In working hours, queue the messages of every notice not sent yet; the number of notices sent."""
        now = self.clock()
        if not self._may_send(now):
            return 0
        sent = 0
        with self.db.unit_of_work() as s:
            for row in NoticesRepository(s).unsent():
                sent += self._send(s, row, now)
        return sent

    def _may_send(self, now: datetime) -> bool:
        c = self.config
        if not c.contacts:
            return False
        workday = self.workday if c.workdays_only else None
        return in_working_hours(now, self.zone, c.send_from, c.send_until, workday=workday)

    def _send(self, session: Session, row: NoticeRecord, now: datetime) -> int:
        chain = [c.id for c in self.alerts.settings.person_channels()]
        if not chain:
            log.error("notice %s: no enabled person channel under [alerts]; it is only shown on /admin", row.key)
            return 0
        people = PeopleRepository(session)
        alerts = AlertsRepository(session)
        text = f"【维护提醒】{self.township} {row.text}".replace("】 ", "】")
        for person_id in self.config.contacts:
            person = people.get(person_id)
            if person is None or not person.phone:
                log.warning("notice %s: contact %s is unknown or has no mobile number", row.key, person_id)
                continue
            message = DirectMessage(
                key=f"notice:{row.id}:{person_id}", purpose=PURPOSE, person_id=person_id, name=person.name,
                phone=person.phone, text=text, params={"event": kind_label(row.kind)},
            )
            write_direct(alerts, self.alerts.composer, message, chain, now)
        row.sent_at = now
        return 1
