"""Helpers for the attendance rule tests: rules from config dicts, local times, punches."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from watchd.calendar.workdays import WorkCalendar
from watchd.domain.attendance.calendar_day import CalendarDay
from watchd.domain.attendance.day import DayInput, DayResult, evaluate_day
from watchd.domain.attendance.punches import Punch
from watchd.domain.attendance.schedule import RuleSet
from watchd.domain.leave import LeaveKind, LeaveSpan
from watchd.settings.attendance import RuleSettings

ZONE = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 11, 23)


def rules(**config: Any) -> RuleSet:
    return RuleSettings.model_validate(config).to_domain()


def at(day: date, hhmmss: str) -> datetime:
    parts = [int(p) for p in hhmmss.split(":")]
    h, m, s = [*parts, 0][:3]
    return datetime(day.year, day.month, day.day, h, m, s, tzinfo=ZONE)


def punches(day: date, *times: str, site: str | None = "office") -> list[Punch]:
    return [Punch(at(day, t), site) for t in times]


def leave(day: date, start: str, end: str, kind: LeaveKind = LeaveKind.personal, end_day: date | None = None) -> LeaveSpan:
    return LeaveSpan(kind, at(day, start), at(end_day or day, end))


def calendar_day(day: date) -> CalendarDay:
    return WorkCalendar({}).day(day)


def evaluate(
    day: date, times: list[Punch], rule_set: RuleSet, *, now: datetime | None = None, **extra: Any
) -> DayResult:
    return evaluate_day(
        DayInput(person_id="c001", day=day, calendar=calendar_day(day), rules=rule_set, punches=times, **extra),
        zone=ZONE, now=now or at(day + timedelta(days=1), "01:00"),
    )
