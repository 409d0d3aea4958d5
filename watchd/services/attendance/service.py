"""The attendance service: the calendar, device watermarks, evaluation, settlement and the views,
each in its own module, behind the one object the rest of watchd holds.

Cross-job rules live here: a calendar correction re-settles the day it changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal

from watchd.calendar.workdays import WorkCalendar
from watchd.db.session import Database
from watchd.domain.attendance.calendar_day import CalendarDay
from watchd.domain.attendance.duty import DutyCalendar, NoDutyCalendar
from watchd.domain.attendance.monthly import DayFacts, PeriodTotals
from watchd.domain.attendance.schedule import RuleSet
from watchd.domain.notices import NoticeSink
from watchd.services.attendance.calendar import AttendanceCalendar
from watchd.services.attendance.evaluation import DayEvaluator
from watchd.services.attendance.records import DayRecord
from watchd.services.attendance.settlement import Settlement, SettlementReport
from watchd.services.attendance.views import AttendanceViews, DailyView
from watchd.services.attendance.watermarks import DeviceWatermarks, WatermarkView
from watchd.settings.root import Settings


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
        self.work_calendar = AttendanceCalendar(db, self.zone, clock, notices)
        self.device_watermarks = DeviceWatermarks(db, clock)
        self.evaluator = DayEvaluator(db, settings, self.duty)
        self.settlement = Settlement(
            db, settings, clock, calendar=self.work_calendar, watermarks=self.device_watermarks,
            evaluator=self.evaluator,
        )
        self.views = AttendanceViews(db, clock, self.work_calendar, self.evaluator)
        self.default_rules = self.evaluator.default_rules

    # -- rules and calendar --------------------------------------------------------------------
    def rules_for(self, organisation: str) -> RuleSet:
        return self.evaluator.rules_for(organisation)

    def rate_for(self, organisation: str) -> Decimal:
        return self.evaluator.rate_for(organisation)

    def today(self) -> date:
        return self.work_calendar.today()

    def calendar(self, *, report_missing: bool = True) -> WorkCalendar:
        return self.work_calendar.calendar(report_missing=report_missing)

    def is_workday(self, day: date) -> bool:
        return self.work_calendar.is_workday(day)

    def calendar_year(self, year: int) -> list[CalendarDay]:
        return self.work_calendar.year(year)

    def check_calendar(self) -> list[int]:
        return self.work_calendar.check()

    def set_override(self, day: date, *, workday: bool, name: str, by: str) -> CalendarDay:
        self.work_calendar.set_override(day, workday=workday, name=name, by=by)
        self.settlement.resettle_day(day)
        return self.calendar().day(day)

    def remove_override(self, day: date) -> CalendarDay:
        self.work_calendar.remove_override(day)
        self.settlement.resettle_day(day)
        return self.calendar().day(day)

    # -- device watermarks ---------------------------------------------------------------------
    def device_synced(self, device_id: str, *, pending_since: datetime | None) -> WatermarkView:
        return self.device_watermarks.device_synced(device_id, pending_since=pending_since)

    def watermarks(self) -> list[WatermarkView]:
        return self.device_watermarks.watermarks()

    # -- evaluation and settlement -------------------------------------------------------------
    def evaluate(
        self, first: date, last: date, *, person_ids: Sequence[str] | None = None, now: datetime | None = None,
        calendar: WorkCalendar | None = None,
    ) -> list[DayRecord]:
        return self.evaluator.evaluate(
            first, last, person_ids=person_ids, now=now or self.clock(), calendar=calendar or self.calendar()
        )

    def settle(self) -> SettlementReport:
        return self.settlement.settle()

    def resettle(self, person_id: str, start: datetime, end: datetime) -> int:
        return self.settlement.resettle(person_id, start, end)

    def resettle_day(self, day: date) -> int:
        return self.settlement.resettle_day(day)

    # -- views ---------------------------------------------------------------------------------
    def daily(self, day: date) -> DailyView:
        return self.views.daily(day)

    def person_days(self, person_id: str, first: date, last: date) -> list[DayRecord]:
        return self.views.person_days(person_id, first, last)

    def month_facts(self, first: date, last: date) -> dict[str, list[DayFacts]]:
        return self.views.month_facts(first, last)

    def leave_days(self, person_ids: Sequence[str] | None, first: date, last: date) -> dict[str, set[date]]:
        return self.views.leave_days(person_ids, first, last)

    def period_totals(self, first: date, last: date) -> dict[str, PeriodTotals]:
        return self.views.period_totals(first, last)
