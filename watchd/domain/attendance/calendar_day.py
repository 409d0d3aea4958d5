"""What kind of day a date is: a workday, an adjusted working weekend (调休), a weekend or a holiday."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class DayKind(StrEnum):
    workday = "workday"  # Monday to Friday, not a holiday
    adjusted_workday = "adjusted_workday"  # a weekend day that is a working day (调休上班)
    weekend = "weekend"
    holiday = "holiday"  # statutory holiday, including the days off given in lieu

    @property
    def is_workday(self) -> bool:
        return self in (DayKind.workday, DayKind.adjusted_workday)


class CalendarSource(StrEnum):
    package = "chinesecalendar"  # the maintained package
    override = "override"  # an administrator's entry
    fallback = "fallback"  # the package has no data for the year: weekends only (warned loudly)


@dataclass(frozen=True, slots=True)
class CalendarDay:
    day: date
    kind: DayKind
    name: str = ""  # e.g. 春节 for a holiday or its adjusted working weekend
    source: CalendarSource = CalendarSource.package
    is_workday: bool = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "is_workday", self.kind.is_workday)


def weekend_rule(day: date) -> DayKind:
    return DayKind.weekend if day.weekday() >= 5 else DayKind.workday
