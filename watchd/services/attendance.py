"""Attendance settlement: turns punches, approvals and the calendar into settled days.

A day is settled once it has ended (plus a short delay) and every device that reports a
watermark has reported past its end; a device that stays behind holds the day up for at most
`settle_max_wait_hours`, after which the day is settled as provisional. Whatever arrives later (an
offline kiosk's queue, a terminal's late upload, an approved leave or make-up punch, a calendar
correction) re-settles the affected person-days, so a late upload corrects the record instead of
leaving a false "absent". Check-ins are scanned by id with a stored cursor, so a restart neither
loses nor repeats a correction.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from watchd.calendar.coverage import missing_years, years_to_check
from watchd.calendar.package import package_covers
from watchd.calendar.workdays import WorkCalendar, override_day
from watchd.db.models import AttendanceDay, SuspectPunch
from watchd.db.repositories.attendance import AttendanceRepository
from watchd.db.repositories.calendar import CalendarRepository
from watchd.db.repositories.checkins import CheckinsRepository
from watchd.db.repositories.leave import LeaveRepository
from watchd.db.repositories.people import PeopleRepository, PersonRow
from watchd.db.repositories.sites import SitesRepository
from watchd.db.repositories.suspect_punches import SuspectPunchesRepository
from watchd.db.repositories.terminals import TerminalStatesRepository
from watchd.db.repositories.watermarks import WatermarksRepository
from watchd.db.session import Database
from watchd.domain.attendance.calendar_day import CalendarDay, DayKind
from watchd.domain.attendance.day import DayInput, DayResult, DayStatus, evaluate_day
from watchd.domain.attendance.duty import DutyCalendar, NoDutyCalendar
from watchd.domain.attendance.monthly import DayFacts
from watchd.domain.attendance.punches import Punch, PunchSource, clock_problem
from watchd.domain.attendance.schedule import DayFrame, RuleSet, midnight
from watchd.domain.checkin import local_day
from watchd.domain.leave import LeaveKind, LeaveSpan
from watchd.domain.notices import Notice, NoticeKind, NoticeSink, calendar_missing_text
from watchd.errors import Invalid, NotFound
from watchd.settings.root import Settings

log = logging.getLogger(__name__)
LATE_UPLOAD_CURSOR = "late_uploads"
COMMIT_SETTLE = timedelta(seconds=60)  # check-ins younger than this may still have older ids uncommitted
ONE_DAY = timedelta(days=1)
SETTLE_CHUNK_DAYS = 7


@dataclass(frozen=True, slots=True)
class DayRecord:
    """One person's day as pages and reports show it: a settled row or a live evaluation."""

    person_id: str
    day: date
    organisation: str
    kind: str
    status: str
    schedule: str
    session_count: int
    attended_sessions: int
    absent_sessions: int
    late_count: int
    late_minutes: int
    early_count: int
    early_minutes: int
    missing_punches: int
    leave: dict[str, float]
    sessions: list[dict[str, Any]]
    village_site_id: str | None
    first_punch_at: datetime | None
    last_punch_at: datetime | None
    suspect_punches: int
    settled: bool
    provisional: bool

    def facts(self) -> DayFacts:
        return DayFacts(
            organisation=self.organisation, kind=KINDS[self.kind], status=STATUSES[self.status],
            session_count=self.session_count, attended_sessions=self.attended_sessions,
            absent_sessions=self.absent_sessions, late_count=self.late_count, late_minutes=self.late_minutes,
            early_count=self.early_count, early_minutes=self.early_minutes, missing_punches=self.missing_punches,
            leave=self.leave, village_day=self.village_site_id is not None, suspect_punches=self.suspect_punches,
            settled=self.settled,
        )

    def row(self, settled_at: datetime) -> dict[str, Any]:
        return {
            "person_id": self.person_id, "day": self.day, "organisation": self.organisation, "kind": self.kind,
            "status": self.status, "schedule": self.schedule, "session_count": self.session_count,
            "attended_sessions": self.attended_sessions, "absent_sessions": self.absent_sessions,
            "late_count": self.late_count, "late_minutes": self.late_minutes, "early_count": self.early_count,
            "early_minutes": self.early_minutes, "missing_punches": self.missing_punches,
            "leave": _json(self.leave), "sessions": _json(self.sessions), "village_site_id": self.village_site_id,
            "first_punch_at": self.first_punch_at, "last_punch_at": self.last_punch_at,
            "suspect_punches": self.suspect_punches, "settled_at": settled_at, "provisional": self.provisional,
        }


KINDS = {k.value: k for k in DayKind}
STATUSES = {s.value: s for s in DayStatus}


def _json(value: object) -> str:
    if not value:
        return "[]" if isinstance(value, list) else "{}"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _leave(text: str | None) -> dict[str, float]:
    if not text or text == "{}":
        return {}
    return {str(k): float(v) for k, v in json.loads(text).items()}


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def record_of(result: DayResult, organisation: str) -> DayRecord:
    return DayRecord(
        person_id=result.person_id, day=result.day, organisation=organisation, kind=result.kind.value,
        status=result.status.value, schedule=result.schedule, session_count=result.session_count,
        attended_sessions=result.attended_sessions, absent_sessions=result.absent_sessions,
        late_count=result.late_count, late_minutes=result.late_minutes, early_count=result.early_count,
        early_minutes=result.early_minutes, missing_punches=result.missing_punches, leave=dict(result.leave),
        sessions=[
            {
                "name": s.name, "state": s.state.value, "checkin_at": _iso(s.checkin_at),
                "checkout_at": _iso(s.checkout_at), "late_minutes": s.late_minutes, "early_minutes": s.early_minutes,
                "missing_in": s.missing_in, "missing_out": s.missing_out,
            }
            for s in result.sessions
        ],
        village_site_id=result.village_site_id, first_punch_at=result.first_punch_at,
        last_punch_at=result.last_punch_at, suspect_punches=result.suspect_punches, settled=False, provisional=False,
    )


def facts_of(result: DayResult, organisation: str) -> DayFacts:
    return DayFacts(
        organisation=organisation, kind=result.kind, status=result.status, session_count=result.session_count,
        attended_sessions=result.attended_sessions, absent_sessions=result.absent_sessions,
        late_count=result.late_count, late_minutes=result.late_minutes, early_count=result.early_count,
        early_minutes=result.early_minutes, missing_punches=result.missing_punches, leave=dict(result.leave),
        village_day=result.village_site_id is not None, suspect_punches=result.suspect_punches, settled=False,
    )


def record_from_row(row: AttendanceDay) -> DayRecord:
    return DayRecord(
        person_id=row.person_id, day=row.day, organisation=row.organisation, kind=row.kind, status=row.status,
        schedule=row.schedule, session_count=row.session_count, attended_sessions=row.attended_sessions,
        absent_sessions=row.absent_sessions, late_count=row.late_count, late_minutes=row.late_minutes,
        early_count=row.early_count, early_minutes=row.early_minutes, missing_punches=row.missing_punches,
        leave=_leave(row.leave), sessions=json.loads(row.sessions or "[]"),
        village_site_id=row.village_site_id, first_punch_at=row.first_punch_at, last_punch_at=row.last_punch_at,
        suspect_punches=row.suspect_punches, settled=True, provisional=row.provisional,
    )


@dataclass(slots=True)
class SettlementReport:
    settled: list[date] = field(default_factory=list)
    provisional: list[date] = field(default_factory=list)
    corrected: int = 0  # person-days re-settled for late uploads
    suspects: int = 0  # check-ins set aside for an impossible device time
    waiting_for: list[str] = field(default_factory=list)  # devices the next day waits for


@dataclass(frozen=True, slots=True)
class WatermarkView:
    device_id: str
    reported_until: datetime | None


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


@dataclass(slots=True)
class _Inputs:
    people: dict[str, PersonRow]
    villages: dict[str, frozenset[str]]
    punches: dict[tuple[str, date], list[Punch]]
    leave: dict[str, list[LeaveSpan]]
    suspects: dict[tuple[str, date], int]


class AttendanceService:
    def __init__(
        self, db: Database, settings: Settings, clock: Callable[[], datetime], *,
        duty: DutyCalendar | None = None, notices: NoticeSink | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.config = settings.attendance
        self.zone = settings.zone
        self.clock = clock
        self.duty: DutyCalendar = duty or NoDutyCalendar()
        self.notices = notices
        self.default_rules, self.org_rules = self.config.rule_sets()
        self.max_skew = timedelta(minutes=settings.checkin.max_clock_skew_minutes)
        self.max_age = timedelta(days=settings.checkin.max_offline_days)
        self._lock = threading.Lock()

    # -- rules and calendar --------------------------------------------------------------------
    def rules_for(self, organisation: str) -> RuleSet:
        return self.org_rules.get(organisation, self.default_rules)

    def rate_for(self, organisation: str) -> Decimal:
        return self.rules_for(organisation).allowance_per_day

    def today(self) -> date:
        return local_day(self.clock(), self.zone)

    def calendar(self, *, report_missing: bool = True) -> WorkCalendar:
        with self.db.read() as s:
            overrides = {
                r.day: override_day(r.day, workday=r.workday, name=r.name) for r in CalendarRepository(s).overrides()
            }
        return WorkCalendar(overrides, on_missing=self._report_missing_year if report_missing else None)

    def _report_missing_year(self, year: int) -> None:
        """A year without holiday data met while evaluating days: a notice only for a year that must be
        known now (not for someone looking at 1905 or 2079)."""
        if year in years_to_check(self.today()):
            self._report_calendar(year, active=True)

    def is_workday(self, day: date) -> bool:
        """A working day by the calendar (holidays, 调休); reports nothing (the notices use it)."""
        return self.calendar(report_missing=False).day(day).is_workday

    def calendar_year(self, year: int) -> list[CalendarDay]:
        cal = self.calendar()
        day, out = date(year, 1, 1), []
        while day.year == year:
            out.append(cal.day(day))
            day += ONE_DAY
        return out

    def set_override(self, day: date, *, workday: bool, name: str, by: str) -> CalendarDay:
        if len(name) > 40:
            raise Invalid("bad_request", "the name has at most 40 characters")
        with self.db.unit_of_work() as s:
            CalendarRepository(s).set(day, workday=workday, name=name.strip(), now=self.clock(), by=by)
        log.info("calendar override for %s: %s %r by %s", day, "workday" if workday else "day off", name, by)
        self.resettle_day(day)
        return self.calendar().day(day)

    def remove_override(self, day: date) -> CalendarDay:
        with self.db.unit_of_work() as s:
            if not CalendarRepository(s).remove(day):
                raise NotFound("override_not_found", f"no calendar override for {day}")
        self.resettle_day(day)
        return self.calendar().day(day)

    def check_calendar(self) -> list[int]:
        """Report every year the holiday data must cover now but does not (next year from December on)
        as a notice for the administrator; clear it once the year is covered."""
        today = self.today()
        with self.db.read() as s:
            hand_kept = {r.day.year for r in CalendarRepository(s).overrides()}
        missing = missing_years(today, package_covers, hand_kept)
        for year in years_to_check(today):
            if year in missing:
                log.warning(
                    "HOLIDAY CALENDAR MISSING for %d: paste the State Council's notice on /reports (节假日)", year,
                )
            self._report_calendar(year, active=year in missing)
        return missing

    def _report_calendar(self, year: int, *, active: bool) -> None:
        if self.notices is None:
            if active:
                log.warning("no notice sink: the missing %d holiday calendar is only logged", year)
            return
        self.notices.notice(Notice(
            kind=NoticeKind.calendar_missing, subject=str(year), observed_at=self.clock(), active=active,
            text=calendar_missing_text(year) if active else "", details={"year": year},
        ))

    # -- device watermarks ---------------------------------------------------------------------
    def device_synced(self, device_id: str, *, pending_since: datetime | None) -> WatermarkView:
        """A device says it has delivered everything captured before `pending_since` (or before now)."""
        now = self.clock()
        if pending_since is not None and pending_since.tzinfo is None:
            raise Invalid("naive_time", "oldest_pending_at must carry a UTC offset")
        until = now if pending_since is None else min(now, pending_since)
        with self.db.unit_of_work() as s:
            device = SitesRepository(s).get_device(device_id)
            if device is None:
                raise NotFound("device_not_found", f"no device {device_id!r}")
            WatermarksRepository(s).advance(device_id, until, now=now)
        return self.watermark(device_id)

    def watermark(self, device_id: str) -> WatermarkView:
        for w in self.watermarks():
            if w.device_id == device_id:
                return w
        raise NotFound("device_not_found", f"no device {device_id!r}")

    def watermarks(self) -> list[WatermarkView]:
        reached = self._reached()
        return [WatermarkView(device_id, at) for device_id, at in sorted(reached.items())]

    # -- evaluation ----------------------------------------------------------------------------
    def _inputs(self, first: date, last: date, person_ids: Sequence[str] | None) -> _Inputs:
        start, end = midnight(first, self.zone), midnight(last + ONE_DAY, self.zone)
        with self.db.read() as s:
            people_repo, requests = PeopleRepository(s), LeaveRepository(s)
            people = {p.id: p for p in people_repo.rows(person_ids)}
            villages = {k: frozenset(v) for k, v in people_repo.villages_of(list(people)).items()}
            punch_rows = CheckinsRepository(s).punches(first, last, person_ids)
            leave: dict[str, list[LeaveSpan]] = defaultdict(list)
            for lv in requests.approved_leave(start, end, person_ids):
                leave[lv.person_id].append(LeaveSpan(LeaveKind(lv.kind), lv.start_at, lv.end_at))
            makeups = [(m.person_id, m.punch_at, m.site_id) for m in requests.approved_makeups(start, end, person_ids)]
            suspects = SuspectPunchesRepository(s).counts(first, last)
        punches: dict[tuple[str, date], list[Punch]] = defaultdict(list)
        for person_id, day, at, site_id in punch_rows:  # suspects (impossible device times) are left out
            punches[(person_id, day)].append(Punch(at, site_id))
        for made_for, made_at, made_site in makeups:
            punches[(made_for, local_day(made_at, self.zone))].append(Punch(made_at, made_site, PunchSource.makeup))
        return _Inputs(people, villages, punches, leave, suspects)

    def _results(
        self, first: date, last: date, person_ids: Sequence[str] | None, now: datetime, cal: WorkCalendar
    ) -> Iterator[tuple[DayResult, str]]:
        """(result, organisation) for every (person, day) in [first, last] for the people employed that day,
        person by person. The calendar and each schedule's windows are worked out once per day."""
        inputs = self._inputs(first, last, person_ids)
        days = _days(first, last)
        calendar = [cal.day(d) for d in days]
        frames: dict[tuple[int, date], DayFrame] = {}
        no_villages: frozenset[str] = frozenset()
        no_leave: tuple[LeaveSpan, ...] = ()
        for person in inputs.people.values():
            employed_from = local_day(person.created_at, self.zone)
            employed_until = local_day(person.deleted_at, self.zone) if person.deleted_at is not None else date.max
            rules = self.rules_for(person.organisation)
            villages = inputs.villages.get(person.id, no_villages)
            leaves = inputs.leave.get(person.id, no_leave)
            org = person.organisation
            for day, cal_day in zip(days, calendar, strict=True):
                if not employed_from <= day <= employed_until:
                    continue
                schedule = rules.schedule_for(day)
                frame = frames.get((id(schedule), day))
                if frame is None:
                    frame = frames[(id(schedule), day)] = DayFrame.of(schedule, day, self.zone)
                workday = cal_day.is_workday
                result = evaluate_day(
                    DayInput(
                        person.id, day, cal_day, rules, inputs.punches.get((person.id, day), ()), leaves, villages,
                        workday and self.duty.on_duty(person.id, day),
                        workday and self.duty.on_duty(person.id, day - ONE_DAY),
                        inputs.suspects.get((person.id, day), 0),
                    ),
                    zone=self.zone, now=now, frame=frame,
                )
                yield result, org

    def evaluate(
        self, first: date, last: date, *, person_ids: Sequence[str] | None = None, now: datetime | None = None,
        calendar: WorkCalendar | None = None,
    ) -> list[DayRecord]:
        """Live evaluation of every (person, day) in [first, last] for the people employed that day."""
        results = self._results(first, last, person_ids, now or self.clock(), calendar or self.calendar())
        return [record_of(result, org) for result, org in results]

    # -- settlement ----------------------------------------------------------------------------
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

    def _reached(self) -> dict[str, datetime | None]:
        """How far each enabled device has reported (None: it never reported a watermark).

        A browser kiosk reports through /api/attendance/device-sync; a terminal's last contact (kept by
        the terminal ingest) counts as its watermark. A device that never reported one cannot hold a
        day up; what it uploads late is corrected by the late-upload scan.
        """
        with self.db.read() as s:
            marks = {d: m.reported_until for d, m in WatermarksRepository(s).all().items()}
            terminals = TerminalStatesRepository(s).contacts()
            enabled = [d.id for d in SitesRepository(s).list_devices() if d.enabled]
        out: dict[str, datetime | None] = {}
        for device_id in enabled:
            mark = marks.get(device_id)
            candidates = [terminals[device_id]] if device_id in terminals else []
            if mark is not None:
                candidates.append(mark)
            out[device_id] = max(candidates) if candidates else None
        return out

    def _settle_finished(self, now: datetime, report: SettlementReport) -> None:
        today = local_day(now, self.zone)
        delay = timedelta(minutes=self.config.settle_delay_minutes)
        max_wait = timedelta(hours=self.config.settle_max_wait_hours)
        reached = self._reached()
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
        cal = self.calendar()
        for at in range(0, len(ready), SETTLE_CHUNK_DAYS):  # a week at a time: bounded memory after downtime
            self._settle_days(ready[at : at + SETTLE_CHUNK_DAYS], now, cal, report)

    def _settle_days(
        self, days: list[tuple[date, list[str]]], now: datetime, cal: WorkCalendar, report: SettlementReport
    ) -> None:
        lagging_on = dict(days)
        rows: dict[date, list[dict[str, Any]]] = defaultdict(list)
        for result, org in self._results(days[0][0], days[-1][0], None, now, cal):
            row = record_of(result, org).row(now)
            row["provisional"] = bool(lagging_on[result.day])
            rows[result.day].append(row)
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
        cal = self.calendar()
        for day, people in sorted(by_day.items()):
            provisional = settled.get(day)
            if provisional is None:
                continue  # not settled yet: settlement will see it
            records = self.evaluate(day, day, person_ids=sorted(people), now=now, calendar=cal)
            rows = [r.row(now) | {"provisional": provisional} for r in records]
            with self.db.unit_of_work() as s:
                AttendanceRepository(s).upsert_days(rows)
            count += len(rows)
            log.info("re-settled %s for %s", day, sorted(people))
        return count

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

    # -- views ---------------------------------------------------------------------------------
    def daily(self, day: date) -> DailyView:
        now = self.clock()
        cal = self.calendar()
        with self.db.read() as s:
            repo = AttendanceRepository(s)
            mark = repo.settled_days(day, day).get(day)
            settled, provisional = mark is not None, bool(mark and mark.provisional)
            rows = [record_from_row(r) for r in repo.days(day, day)] if mark else []
            suspects = [
                SuspectView(x.checkin_id, x.person_id, x.device_id, x.occurred_at, x.received_at, x.problem)
                for x in SuspectPunchesRepository(s).received_on(day)
            ]
        if not settled:
            rows = self.evaluate(day, day, now=now, calendar=cal) if day <= local_day(now, self.zone) else []
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
            stored = {r.day: record_from_row(r) for r in repo.days(first, last, [person_id])}
        live = {
            r.day: r for r in self.evaluate(first, last, person_ids=[person_id], now=now)
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
            for r in repo.day_sums(first, last):
                if r.day not in settled:
                    continue
                out[r.person_id].append(
                    DayFacts(
                        organisation=r.organisation, kind=KINDS[r.kind], status=STATUSES[r.status],
                        session_count=r.session_count, attended_sessions=r.attended_sessions,
                        absent_sessions=r.absent_sessions, late_count=r.late_count, late_minutes=r.late_minutes,
                        early_count=r.early_count, early_minutes=r.early_minutes, missing_punches=r.missing_punches,
                        leave=_leave(r.leave), village_day=r.village_site_id is not None,
                        suspect_punches=r.suspect_punches, settled=True,
                    )
                )
        pending = [d for d in _days(first, last) if d not in settled]
        if pending:
            cal = self.calendar()
            for lo, hi in _runs(pending):
                for result, org in self._results(lo, hi, None, now, cal):
                    out[result.person_id].append(facts_of(result, org))
        return out


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _runs(days: Sequence[date]) -> list[tuple[date, date]]:
    """Consecutive runs of sorted days as (first, last) pairs."""
    runs: list[tuple[date, date]] = []
    for d in days:
        if runs and runs[-1][1] + ONE_DAY == d:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return runs
