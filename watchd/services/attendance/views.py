"""What pages and reports read: a day of everybody, a person's days, a month's facts. Settled days come
from storage, the others are evaluated live."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from watchd.db.repositories.attendance import AttendanceRepository
from watchd.db.repositories.leave import LeaveRepository
from watchd.db.repositories.suspect_punches import SuspectPunchesRepository
from watchd.db.session import Database
from watchd.domain.attendance.calendar_day import CalendarDay, DayKind
from watchd.domain.attendance.day import DayStatus
from watchd.domain.attendance.monthly import DayFacts, PeriodTotals
from watchd.domain.attendance.schedule import midnight
from watchd.domain.checkin import local_day
from watchd.services.attendance.calendar import AttendanceCalendar
from watchd.services.attendance.evaluation import DayEvaluator, days_between, runs
from watchd.services.attendance.records import DayRecord, result_facts, stored_facts


@dataclass(frozen=True, slots=True)
class SuspectView:
    checkin_id: int
    person_id: str
    device_id: str
    occurred_at: datetime
    received_at: datetime
    problem: str


@dataclass(frozen=True, slots=True)
class DailyView:
    day: date
    calendar: CalendarDay
    settled: bool
    provisional: bool
    records: list[DayRecord]
    suspects: list[SuspectView]


class AttendanceViews:
    def __init__(
        self, db: Database, clock: Callable[[], datetime], calendar: AttendanceCalendar, evaluator: DayEvaluator
    ) -> None:
        self.db = db
        self.zone = evaluator.zone
        self.clock = clock
        self.calendar = calendar
        self.evaluator = evaluator

    def daily(self, day: date) -> DailyView:
        now = self.clock()
        cal = self.calendar.calendar()
        with self.db.read() as s:
            repo = AttendanceRepository(s)
            mark = repo.settled_days(day, day).get(day)
            settled, provisional = mark is not None, bool(mark and mark.provisional)
            rows = [DayRecord.of_stored(r) for r in repo.days(day, day)] if mark else []
            suspects = [
                SuspectView(x.checkin_id, x.person_id, x.device_id, x.occurred_at, x.received_at, x.problem)
                for x in SuspectPunchesRepository(s).received_on(day)
            ]
        if not settled and day <= local_day(now, self.zone):
            rows = self.evaluator.evaluate(day, day, person_ids=None, now=now, calendar=cal)
        return DailyView(
            day=day, calendar=cal.day(day), settled=settled, provisional=provisional,
            records=sorted(rows, key=lambda r: r.person_id), suspects=suspects,
        )

    def person_days(self, person_id: str, first: date, last: date) -> list[DayRecord]:
        now = self.clock()
        last = min(last, local_day(now, self.zone))
        if last < first:
            return []
        with self.db.read() as s:
            repo = AttendanceRepository(s)
            settled = repo.settled_days(first, last)
            stored = {r.day: DayRecord.of_stored(r) for r in repo.days(first, last, [person_id])}
        live = {
            r.day: r
            for r in self.evaluator.evaluate(first, last, person_ids=[person_id], now=now, calendar=self.calendar.calendar())
            if r.day not in settled
        }
        merged = {**live, **{d: r for d, r in stored.items() if d in settled}}
        return [merged[d] for d in sorted(merged)]

    def month_facts(self, first: date, last: date) -> dict[str, list[DayFacts]]:
        """Every person's day facts in [first, last] (up to today): settled rows, live for the rest."""
        now = self.clock()
        last = min(last, local_day(now, self.zone))
        out: dict[str, list[DayFacts]] = defaultdict(list)
        if last < first:
            return out
        with self.db.read() as s:
            repo = AttendanceRepository(s)
            settled = repo.settled_days(first, last)
            for row in repo.day_sums(first, last):
                if row.day in settled:
                    out[row.person_id].append(stored_facts(row))
        pending = [d for d in days_between(first, last) if d not in settled]
        if pending:
            cal = self.calendar.calendar()
            for lo, hi in runs(pending):
                for result, org in self.evaluator.results(lo, hi, None, now, cal):
                    out[result.person_id].append(result_facts(result, org))
        return out

    def leave_days(self, person_ids: Sequence[str] | None, first: date, last: date) -> dict[str, set[date]]:
        """The days in [first, last] (up to today) each person spent wholly on approved leave (every
        session of the day on leave, the day's status 请假), for the few people with approved leave then."""
        last = min(last, local_day(self.clock(), self.zone))
        if last < first:
            return {}
        start, end = midnight(first, self.zone), midnight(last + timedelta(days=1), self.zone)
        with self.db.read() as s:
            on_leave = sorted({r.person_id for r in LeaveRepository(s).approved_leave(start, end, person_ids)})
        out: dict[str, set[date]] = {}
        for person in on_leave:
            days = {r.day for r in self.person_days(person, first, last) if r.status == DayStatus.leave.value}
            if days:
                out[person] = days
        return out

    def period_totals(self, first: date, last: date) -> dict[str, PeriodTotals]:
        """Village days, allowance, late count and absent days per person in [first, last] (up to today),
        as the month's facts sum them: the settled days summed by the database, the rest evaluated live."""
        now = self.clock()
        last = min(last, local_day(now, self.zone))
        out: dict[str, PeriodTotals] = defaultdict(PeriodTotals)
        if last < first:
            return {}
        rate = self.evaluator.rate_for
        workday_kinds = [k.value for k in DayKind if k.is_workday]
        with self.db.read() as s:
            repo = AttendanceRepository(s)
            settled = repo.settled_days(first, last)
            for person, org, village_days, late, absent in repo.settled_sums(first, last, workday_kinds):
                out[person].add(village_days, rate(org), late, absent)
        pending = [d for d in days_between(first, last) if d not in settled]
        if pending:
            cal = self.calendar.calendar()
            for lo, hi in runs(pending):
                for result, org in self.evaluator.results(lo, hi, None, now, cal):
                    out[result.person_id].add_day(result_facts(result, org), rate(org))
        return {person: totals.rounded() for person, totals in out.items()}
