"""Settling days: a finished day is stored once the devices allow, and corrected when late uploads,
approvals or calendar corrections touch it.

A day is settled once it has ended (plus a short delay) and every device that reports a watermark
has reported past its end; a device that stays behind holds the day up for at most
`settle_max_wait_hours`, after which the day is settled as provisional. Whatever arrives later (an
offline kiosk's queue, a terminal's late upload, an approved leave or make-up punch, a calendar
correction) re-settles the affected person-days, so a late upload corrects the record instead of
leaving a false "absent". Check-ins are scanned by id with a stored cursor, so a restart neither
loses nor repeats a correction.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from watchd.calendar.workdays import WorkCalendar
from watchd.db.models import SuspectPunch
from watchd.db.repositories.attendance import AttendanceRepository
from watchd.db.repositories.checkins import CheckinsRepository
from watchd.db.repositories.people import PeopleRepository
from watchd.db.repositories.suspect_punches import SuspectPunchesRepository
from watchd.db.session import Database
from watchd.domain.attendance.punches import clock_problem
from watchd.domain.attendance.schedule import midnight
from watchd.domain.checkin import local_day
from watchd.services.attendance.calendar import AttendanceCalendar
from watchd.services.attendance.evaluation import DayEvaluator
from watchd.services.attendance.records import DayRecord
from watchd.services.attendance.watermarks import DeviceWatermarks
from watchd.settings.root import Settings

log = logging.getLogger(__name__)
LATE_UPLOAD_CURSOR = "late_uploads"
COMMIT_SETTLE = timedelta(seconds=60)  # check-ins younger than this may still have older ids uncommitted
ONE_DAY = timedelta(days=1)
SETTLE_CHUNK_DAYS = 7


@dataclass(slots=True)
class SettlementReport:
    settled: list[date] = field(default_factory=list)
    provisional: list[date] = field(default_factory=list)
    corrected: int = 0  # person-days re-settled for late uploads
    suspects: int = 0  # check-ins set aside for an impossible device time
    waiting_for: list[str] = field(default_factory=list)  # devices the next day waits for


class Settlement:
    def __init__(
        self, db: Database, settings: Settings, clock: Callable[[], datetime], *, calendar: AttendanceCalendar,
        watermarks: DeviceWatermarks, evaluator: DayEvaluator,
    ) -> None:
        self.db = db
        self.config = settings.attendance
        self.zone = settings.zone
        self.clock = clock
        self.calendar = calendar
        self.watermarks = watermarks
        self.evaluator = evaluator
        self.max_skew = timedelta(minutes=settings.checkin.max_clock_skew_minutes)
        self.max_age = timedelta(days=settings.checkin.max_offline_days)
        self._lock = threading.Lock()

    def settle(self) -> SettlementReport:
        """Correct settled days for late uploads, then settle every finished day the devices allow."""
        with self._lock:
            now = self.clock()
            report = SettlementReport()
            self._scan_late_uploads(now, report)
            self._settle_finished(now, report)
            if report.settled or report.corrected or report.suspects:
                log.info(
                    "settlement: settled %s (provisional %s), corrected %d person-days, %d suspect punches",
                    [d.isoformat() for d in report.settled], [d.isoformat() for d in report.provisional],
                    report.corrected, report.suspects,
                )
            return report

    def resettle(self, person_id: str, start: datetime, end: datetime) -> int:
        """Re-settle the person's settled days touched by [start, end] (after an approval or cancellation)."""
        first, last = local_day(start, self.zone), local_day(end, self.zone)
        pairs = []
        day = first
        while day <= last:
            pairs.append((person_id, day))
            day += ONE_DAY
        with self._lock:
            return self._resettle_pairs(pairs, self.clock())

    def resettle_day(self, day: date) -> int:
        with self.db.read() as s:
            people = [p.id for p in PeopleRepository(s).rows()]
        with self._lock:
            return self._resettle_pairs(((p, day) for p in people), self.clock())

    # -- finished days -----------------------------------------------------------------------------
    def _first_day_to_settle(self, today: date) -> date:
        with self.db.read() as s:
            last = AttendanceRepository(s).last_settled_day()
            first_checkin = CheckinsRepository(s).first_day()
            first_person = min((local_day(p.created_at, self.zone) for p in PeopleRepository(s).rows()), default=None)
        known = [d for d in (first_checkin, first_person) if d is not None]
        start = last + ONE_DAY if last is not None else self.config.start_date or min(known, default=today)
        start = max(start, today - timedelta(days=self.config.lookback_days))
        if self.config.start_date is not None:
            start = max(start, self.config.start_date)
        return start

    def _settle_finished(self, now: datetime, report: SettlementReport) -> None:
        today = local_day(now, self.zone)
        delay = timedelta(minutes=self.config.settle_delay_minutes)
        max_wait = timedelta(hours=self.config.settle_max_wait_hours)
        reached = self.watermarks.reached()
        ready: list[tuple[date, list[str]]] = []  # days to settle now, with the devices still behind
        day = self._first_day_to_settle(today)
        while day < today:
            end_of_day = midnight(day + ONE_DAY, self.zone)
            if now < end_of_day + delay:
                break
            lagging = sorted(d for d, at in reached.items() if at is not None and at < end_of_day)
            if lagging and now < end_of_day + max_wait:
                report.waiting_for = lagging
                log.info("settlement of %s waits for devices %s", day, lagging)
                break
            if lagging:
                log.warning(
                    "settling %s provisionally: devices %s have not reported past its end after %s",
                    day, lagging, max_wait,
                )
            ready.append((day, lagging))
            day += ONE_DAY
        cal = self.calendar.calendar()
        for at in range(0, len(ready), SETTLE_CHUNK_DAYS):  # a week at a time: bounded memory after downtime
            self._settle_days(ready[at : at + SETTLE_CHUNK_DAYS], now, cal, report)

    def _settle_days(
        self, days: list[tuple[date, list[str]]], now: datetime, cal: WorkCalendar, report: SettlementReport
    ) -> None:
        lagging_on = dict(days)
        rows: dict[date, list[dict[str, Any]]] = defaultdict(list)
        for result, org in self.evaluator.results(days[0][0], days[-1][0], None, now, cal):
            rows[result.day].append(
                DayRecord.of_result(result, org).stored(now, provisional=bool(lagging_on[result.day]))
            )
        for settled_day, lagging in days:  # one transaction per day, in order: a crash leaves no gap
            with self.db.unit_of_work() as s:
                repo = AttendanceRepository(s)
                repo.upsert_days(rows[settled_day])
                repo.mark_settled(
                    settled_day, now=now, provisional=bool(lagging), lagging=lagging, people=len(rows[settled_day])
                )
            report.settled.append(settled_day)
            if lagging:
                report.provisional.append(settled_day)

    # -- corrections -------------------------------------------------------------------------------
    def _scan_late_uploads(self, now: datetime, report: SettlementReport) -> None:
        """Check-ins that arrived since the last scan: set aside impossible device times, re-settle the
        settled days that late uploads touch. Only those rows are read (the database filters)."""
        with self.db.read() as s:
            repo, checkins = AttendanceRepository(s), CheckinsRepository(s)
            position = repo.cursor(LATE_UPLOAD_CURSOR) or 0  # first run: look at everything once
            last_settled = repo.last_settled_day()
            upto = checkins.scan_limit(position, now - COMMIT_SETTLE)
            if upto <= position:
                return
            rows = checkins.late_or_suspect(
                position, upto, last_settled, max_skew=self.max_skew, max_age=self.max_age
            )
        affected: set[tuple[str, date]] = set()
        suspects = []
        for r in rows:
            problem = clock_problem(r.occurred_at, r.received_at, max_skew=self.max_skew, max_age=self.max_age)
            if problem is None:
                affected.add((r.person_id, r.local_date))
                continue
            received_day = local_day(r.received_at, self.zone)
            affected.add((r.person_id, received_day))
            suspects.append(SuspectPunch(
                checkin_id=r.checkin_id, person_id=r.person_id, device_id=r.device_id, occurred_at=r.occurred_at,
                received_at=r.received_at, received_day=received_day, problem=problem.value,
            ))
        with self.db.unit_of_work() as s:
            set_aside = SuspectPunchesRepository(s)
            for suspect in suspects:
                if set_aside.add(suspect):
                    report.suspects += 1
                    log.warning(
                        "check-in %d from %s for %s: device time %s cannot be right (received %s): %s",
                        suspect.checkin_id, suspect.device_id, suspect.person_id, suspect.occurred_at.isoformat(),
                        suspect.received_at.isoformat(), suspect.problem,
                    )
            AttendanceRepository(s).set_cursor(LATE_UPLOAD_CURSOR, upto, now)
        report.corrected += self._resettle_pairs(affected, now)

    def _resettle_pairs(self, pairs: Iterable[tuple[str, date]], now: datetime) -> int:
        by_day: dict[date, set[str]] = defaultdict(set)
        for person_id, day in pairs:
            by_day[day].add(person_id)
        if not by_day:
            return 0
        with self.db.read() as s:
            settled = {d: m.provisional for d, m in AttendanceRepository(s).settled_days(min(by_day), max(by_day)).items()}
        count = 0
        cal = self.calendar.calendar()
        for day, people in sorted(by_day.items()):
            provisional = settled.get(day)
            if provisional is None:
                continue  # not settled yet: settlement will see it
            records = self.evaluator.evaluate(day, day, person_ids=sorted(people), now=now, calendar=cal)
            rows = [r.stored(now, provisional=provisional) for r in records]
            with self.db.unit_of_work() as s:
                AttendanceRepository(s).upsert_days(rows)
            count += len(rows)
            log.info("re-settled %s for %s", day, sorted(people))
        return count
