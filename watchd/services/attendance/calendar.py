"""The working calendar attendance uses: the holiday data plus the corrections kept by hand.

A year the holiday data does not cover and that must be known now (next year from December on) is
reported as a notice for the administrator, and cleared once the year is covered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from watchd.calendar.coverage import missing_years, years_to_check
from watchd.calendar.package import package_covers
from watchd.calendar.workdays import WorkCalendar, override_day
from watchd.db.repositories.calendar import CalendarRepository
from watchd.db.session import Database
from watchd.domain.attendance.calendar_day import CalendarDay
from watchd.domain.checkin import local_day
from watchd.domain.notices import Notice, NoticeKind, NoticeSink, calendar_missing_text
from watchd.errors import Invalid, NotFound

log = logging.getLogger(__name__)
ONE_DAY = timedelta(days=1)


class AttendanceCalendar:
    def __init__(
        self, db: Database, zone: ZoneInfo, clock: Callable[[], datetime], notices: NoticeSink | None
    ) -> None:
        self.db = db
        self.zone = zone
        self.clock = clock
        self.notices = notices

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
            self._report(year, active=True)

    def is_workday(self, day: date) -> bool:
        """A working day by the calendar (holidays, 调休); reports nothing (the notices use it)."""
        return self.calendar(report_missing=False).day(day).is_workday

    def year(self, year: int) -> list[CalendarDay]:
        cal = self.calendar()
        day, out = date(year, 1, 1), []
        while day.year == year:
            out.append(cal.day(day))
            day += ONE_DAY
        return out

    def set_override(self, day: date, *, workday: bool, name: str, by: str) -> None:
        if len(name) > 40:
            raise Invalid("bad_request", "the name has at most 40 characters")
        with self.db.unit_of_work() as s:
            CalendarRepository(s).set(day, workday=workday, name=name.strip(), now=self.clock(), by=by)
        log.info("calendar override for %s: %s %r by %s", day, "workday" if workday else "day off", name, by)

    def remove_override(self, day: date) -> None:
        with self.db.unit_of_work() as s:
            if not CalendarRepository(s).remove(day):
                raise NotFound("override_not_found", f"no calendar override for {day}")

    def check(self) -> list[int]:
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
            self._report(year, active=year in missing)
        return missing

    def _report(self, year: int, *, active: bool) -> None:
        if self.notices is None:
            if active:
                log.warning("no notice sink: the missing %d holiday calendar is only logged", year)
            return
        self.notices.notice(Notice(
            kind=NoticeKind.calendar_missing, subject=str(year), observed_at=self.clock(), active=active,
            text=calendar_missing_text(year) if active else "", details={"year": year},
        ))
