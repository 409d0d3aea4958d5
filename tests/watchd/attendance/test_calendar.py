"""The working-day calendar: the package, the administrator's overrides, and years nobody covers yet."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from watchd.calendar.coverage import missing_years
from watchd.calendar.workdays import WorkCalendar, override_day
from watchd.domain.attendance.calendar_day import CalendarSource, DayKind

UNCOVERED = 2099  # a year no chinesecalendar release will have


@pytest.mark.parametrize(
    ("day", "kind", "name"),
    [
        (date(2026, 11, 23), DayKind.workday, ""),
        (date(2026, 11, 28), DayKind.weekend, ""),
        (date(2026, 10, 1), DayKind.holiday, "国庆节"),
        (date(2026, 2, 14), DayKind.adjusted_workday, "春节"),  # the 调休 Saturday of the Spring Festival
        (date(2026, 9, 20), DayKind.adjusted_workday, "国庆节"),
    ],
)
def test_package_answers_for_2026(day: date, kind: DayKind, name: str) -> None:
    found = WorkCalendar({}).day(day)
    assert (found.kind, found.name, found.source) == (kind, name, CalendarSource.package)


def test_override_wins_over_the_package() -> None:
    monday, saturday = date(2026, 11, 23), date(2026, 11, 28)
    cal = WorkCalendar({
        monday: override_day(monday, workday=False, name="那达慕"),
        saturday: override_day(saturday, workday=True, name="补班"),
    })
    assert (cal.day(monday).kind, cal.day(monday).name) == (DayKind.holiday, "那达慕")
    assert cal.day(saturday).kind is DayKind.adjusted_workday
    assert cal.day(saturday).is_workday


def test_uncovered_year_falls_back_to_weekends_and_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    missing: list[int] = []
    cal = WorkCalendar({}, on_missing=missing.append)
    with caplog.at_level(logging.WARNING):
        friday, saturday = cal.day(date(UNCOVERED, 1, 2)), cal.day(date(UNCOVERED, 1, 3))
        cal.day(date(UNCOVERED, 5, 1))
    assert (friday.kind, friday.source) == (DayKind.workday, CalendarSource.fallback)
    assert saturday.kind is DayKind.weekend
    assert missing == [UNCOVERED]
    assert sum("HOLIDAY CALENDAR MISSING" in r.message for r in caplog.records) == 1


def test_year_kept_by_hand_does_not_warn() -> None:
    new_year = date(UNCOVERED, 1, 1)
    missing: list[int] = []
    cal = WorkCalendar({new_year: override_day(new_year, workday=False, name="元旦")}, on_missing=missing.append)
    assert cal.day(new_year).kind is DayKind.holiday
    assert cal.day(date(UNCOVERED, 1, 2)).source is CalendarSource.fallback
    assert missing == []


@pytest.mark.parametrize(
    ("today", "covered", "hand_kept", "expected"),
    [
        (date(2026, 11, 30), {2026}, set(), []),
        (date(2026, 12, 1), {2026}, set(), [2027]),
        (date(2026, 12, 1), {2026, 2027}, set(), []),
        (date(2026, 12, 1), {2026}, {2027}, []),
        (date(2027, 1, 4), {2026}, set(), [2027]),
    ],
)
def test_from_december_next_year_must_be_known(
    today: date, covered: set[int], hand_kept: set[int], expected: list[int]
) -> None:
    assert missing_years(today, lambda y: y in covered, hand_kept) == expected
