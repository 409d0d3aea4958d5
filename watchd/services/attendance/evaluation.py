"""Evaluating days: punches, approved leave and make-ups, villages, duty and the calendar into a
`DayResult` per person and day (the rules are the domain's, `evaluate_day`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from watchd.calendar.workdays import WorkCalendar
from watchd.db.repositories.checkins import CheckinsRepository
from watchd.db.repositories.leave import LeaveRepository
from watchd.db.repositories.people import PeopleRepository, PersonRow
from watchd.db.repositories.suspect_punches import SuspectPunchesRepository
from watchd.db.session import Database
from watchd.domain.attendance.day import DayInput, DayResult, evaluate_day
from watchd.domain.attendance.duty import DutyCalendar
from watchd.domain.attendance.punches import Punch, PunchSource
from watchd.domain.attendance.schedule import DayFrame, RuleSet, midnight
from watchd.domain.checkin import local_day
from watchd.domain.leave import LeaveKind, LeaveSpan
from watchd.services.attendance.records import DayRecord
from watchd.settings.root import Settings

ONE_DAY = timedelta(days=1)


@dataclass(slots=True)
class _Inputs:
    people: dict[str, PersonRow]
    villages: dict[str, frozenset[str]]
    punches: dict[tuple[str, date], list[Punch]]
    leave: dict[str, list[LeaveSpan]]
    suspects: dict[tuple[str, date], int]


class DayEvaluator:
    def __init__(self, db: Database, settings: Settings, duty: DutyCalendar) -> None:
        self.db = db
        self.zone = settings.zone
        self.duty = duty
        self.default_rules, self.org_rules = settings.attendance.rule_sets()

    def rules_for(self, organisation: str) -> RuleSet:
        return self.org_rules.get(organisation, self.default_rules)

    def rate_for(self, organisation: str) -> Decimal:
        return self.rules_for(organisation).allowance_per_day

    def evaluate(
        self, first: date, last: date, *, person_ids: Sequence[str] | None, now: datetime, calendar: WorkCalendar
    ) -> list[DayRecord]:
        """Live evaluation of every (person, day) in [first, last] for the people employed that day."""
        return [DayRecord.of_result(result, org) for result, org in self.results(first, last, person_ids, now, calendar)]

    def results(
        self, first: date, last: date, person_ids: Sequence[str] | None, now: datetime, cal: WorkCalendar
    ) -> Iterator[tuple[DayResult, str]]:
        """(result, organisation) for every (person, day) in [first, last] for the people employed that day,
        person by person. The calendar and each schedule's windows are worked out once per day."""
        inputs = self._inputs(first, last, person_ids)
        days = days_between(first, last)
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


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def runs(days: Sequence[date]) -> list[tuple[date, date]]:
    """Consecutive runs of sorted days as (first, last) pairs."""
    out: list[tuple[date, date]] = []
    for d in days:
        if out and out[-1][1] + ONE_DAY == d:
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return out
