"""The calendar attendance uses: overrides first, then the package, then weekends with a loud warning."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import date

from watchd.calendar.package import package_day
from watchd.domain.attendance.calendar_day import CalendarDay, CalendarSource, DayKind, weekend_rule

log = logging.getLogger(__name__)


class WorkCalendar:
    """Built per use from the override table; `on_missing(year)` is called once per uncovered year.

    A year for which an administrator has entered at least one override counts as maintained by
    hand: weekends plus those overrides are used without a warning.
    """

    def __init__(
        self, overrides: Mapping[date, CalendarDay], *, on_missing: Callable[[int], None] | None = None
    ) -> None:
        self.overrides = dict(overrides)
        self.hand_kept_years = {d.year for d in self.overrides}
        self.on_missing = on_missing
        self.warned: set[int] = set()

    def day(self, day: date) -> CalendarDay:
        override = self.overrides.get(day)
        if override is not None:
            return override
        found = package_day(day)
        if found is not None:
            return found
        if day.year not in self.hand_kept_years and day.year not in self.warned:
            self.warned.add(day.year)
            log.warning(
                "HOLIDAY CALENDAR MISSING: no holiday data for %d; using weekends only. Paste the State "
                "Council's notice for %d on /reports (节假日) or enter the days there.",
                day.year, day.year,
            )
            if self.on_missing is not None:
                self.on_missing(day.year)
        return CalendarDay(day, weekend_rule(day), "", CalendarSource.fallback)


def override_day(day: date, *, workday: bool, name: str) -> CalendarDay:
    """An administrator's entry: a working day (调休上班 on a weekend) or a day off."""
    weekend = day.weekday() >= 5
    if workday:
        kind = DayKind.adjusted_workday if weekend else DayKind.workday
    else:
        kind = DayKind.holiday if name or not weekend else DayKind.weekend
    return CalendarDay(day, kind, name, CalendarSource.override)
