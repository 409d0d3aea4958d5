"""The `chinesecalendar` package behind a typed function (the package ships no type information)."""

from __future__ import annotations

from datetime import date
from functools import cache

import chinese_calendar  # type: ignore[import-untyped]

from watchd.domain.attendance.calendar_day import CalendarDay, CalendarSource, DayKind

HOLIDAY_NAMES: dict[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def package_day(day: date) -> CalendarDay | None:
    """The package's answer for `day`, or None when it has no data for that year."""
    try:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    label = HOLIDAY_NAMES.get(str(name), str(name)) if name else ""
    weekend = day.weekday() >= 5
    if is_holiday:
        kind = DayKind.holiday if name else DayKind.weekend
    else:
        kind = DayKind.adjusted_workday if weekend else DayKind.workday
    return CalendarDay(day, kind, label, CalendarSource.package)


@cache
def package_covers(year: int) -> bool:
    return package_day(date(year, 1, 1)) is not None
