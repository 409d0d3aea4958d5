"""The administrator pastes the State Council's yearly holiday notice; watchd shows the days it
proposes next to what the calendar says now, and saves them all as overrides once confirmed.

Confirmation sends the same text back with the preview's digest: the text is parsed again, and the
days are saved only if they are still exactly the ones shown (one transaction: all or none). The
days are then re-settled, and the holiday-data notice of that year clears.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from watchd.calendar.state_council import NoticeParseError, ParsedNotice, parse_notice
from watchd.db.repositories.calendar import CalendarRepository
from watchd.db.session import Database
from watchd.domain.attendance.calendar_day import CalendarDay
from watchd.errors import Conflict, Invalid
from watchd.services.attendance import AttendanceService

log = logging.getLogger(__name__)
WEEKDAYS = "一二三四五六日"
MAX_TEXT = 20_000


@dataclass(frozen=True, slots=True)
class ProposedDayView:
    day: date
    weekday: str  # 周一 … 周日
    workday: bool
    name: str
    note: str  # 放假, 补休, 调休上班
    current: CalendarDay  # what the calendar says now
    changes: bool  # saving it changes whether the day is worked, or its name


@dataclass(frozen=True, slots=True)
class HolidayItemView:
    name: str
    first: date
    last: date
    days_off: int
    workdays: list[date]


@dataclass(frozen=True, slots=True)
class NoticePreview:
    year: int
    items: list[HolidayItemView]
    days: list[ProposedDayView]
    digest: str  # hand back with the same text to confirm exactly these days


def digest_of(parsed: ParsedNotice) -> str:
    canon = ";".join(f"{p.day.isoformat()},{int(p.workday)},{p.name}" for p in parsed.days)
    return hashlib.sha256(f"{parsed.year}|{canon}".encode()).hexdigest()[:32]


class HolidayNoticeService:
    def __init__(self, db: Database, attendance: AttendanceService, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.attendance = attendance
        self.clock = clock

    def parse(self, text: str, year: int | None = None) -> ParsedNotice:
        if len(text) > MAX_TEXT:
            raise Invalid("holiday_notice_unreadable", f"the notice has more than {MAX_TEXT} characters")
        try:
            return parse_notice(text, year)
        except NoticeParseError as exc:
            raise Invalid(exc.code, f"holiday notice not understood: {exc.message}", problem=exc.message) from None

    def preview(self, text: str, year: int | None = None) -> NoticePreview:
        parsed = self.parse(text, year)
        calendar = self.attendance.calendar(report_missing=False)
        days = []
        for p in parsed.days:
            now = calendar.day(p.day)
            days.append(ProposedDayView(
                day=p.day, weekday="周" + WEEKDAYS[p.day.weekday()], workday=p.workday, name=p.name, note=p.note,
                current=now, changes=now.is_workday != p.workday or now.name != p.name,
            ))
        items = [HolidayItemView(i.name, i.first, i.last, i.days_off, list(i.workdays)) for i in parsed.items]
        return NoticePreview(parsed.year, items, days, digest_of(parsed))

    def confirm(self, text: str, year: int | None, digest: str, *, by: str) -> list[CalendarDay]:
        """Save every proposed day as an override, all or none; re-settle them; clear the year's notice."""
        parsed = self.parse(text, year)
        if digest_of(parsed) != digest:
            raise Conflict("holiday_notice_changed", "the notice parses to other days than the preview showed")
        now = self.clock()
        with self.db.unit_of_work() as s:
            repo = CalendarRepository(s)
            for p in parsed.days:
                repo.set(p.day, workday=p.workday, name=p.name, now=now, by=by)
        log.info("holidays of %d entered from the State Council's notice by %s: %d days", parsed.year, by,
                 len(parsed.days))
        for p in parsed.days:
            self.attendance.resettle_day(p.day)
        self.attendance.check_calendar()
        calendar = self.attendance.calendar(report_missing=False)
        return [calendar.day(p.day) for p in parsed.days]
