"""Attendance rules: work schedules per organisation, village days and allowance, leave, visits, jobs.

Times are local times of the township's zone. A schedule has sessions (上午, 下午); each session
has a check-in window around its start and a check-out window around its end. A punch counts as
the session's check-in when it falls in the check-in window, as its check-out when it falls in
the check-out window; a punch outside every window counts for neither (but can still show that
the person was in a village). Seasonal schedules (summer/winter hours) apply between two
month-day dates; the schedule without dates applies on every other day.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from watchd.domain.attendance.schedule import DaySchedule, RuleSet, SessionRule, VillageDayRule
from watchd.settings.base import ConfigModel

_MONTH_DAY_RE = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
_LEAP_YEAR = 2024  # every month-day exists in a leap year


def _month_day(value: str) -> str:
    if not _MONTH_DAY_RE.match(value):
        raise ValueError(f"{value!r} is not a month and day like 05-01")
    month, day = (int(p) for p in value.split("-"))
    try:
        date(_LEAP_YEAR, month, day)
    except ValueError:
        raise ValueError(f"{value!r} is not a day of the year") from None
    return value


MonthDay = Annotated[str, AfterValidator(_month_day)]


class SessionSettings(ConfigModel):
    name: str = Field(min_length=1, max_length=20, title="Name", description="Shown in reports, e.g. 上午 or 下午.")
    start: time = Field(title="Start", description="Local time the session starts (HH:MM), e.g. 14:30.")
    end: time = Field(title="End", description="Local time the session ends (HH:MM).")
    checkin_opens_minutes: int | None = Field(
        None, ge=0, le=600, title="Check-in window opens",
        description="Minutes before the start from which a punch counts as the check-in. "
        "Empty: halfway from the previous session's end (120 minutes before the first session).",
    )
    checkin_closes_minutes: int | None = Field(
        None, ge=0, le=600, title="Latest check-in",
        description="Minutes after the start until which a punch still counts as a (late) check-in. "
        "Empty: until the middle of the session.",
    )
    checkout_opens_minutes: int | None = Field(
        None, ge=0, le=600, title="Earliest check-out",
        description="Minutes before the end from which a punch counts as an (early) check-out. "
        "Empty: from the middle of the session.",
    )
    checkout_closes_minutes: int | None = Field(
        None, ge=0, le=720, title="Check-out window closes",
        description="Minutes after the end until which a punch counts as the check-out. "
        "Empty: halfway to the next session's start (360 minutes after the last session, at most midnight).",
    )

    @model_validator(mode="after")
    def verify_order(self) -> SessionSettings:
        if self.end <= self.start:
            raise ValueError(f"session {self.name!r}: end {self.end:%H:%M} is not after start {self.start:%H:%M}")
        return self


class ScheduleSettings(ConfigModel):
    name: str = Field(min_length=1, max_length=40, title="Name", description="Shown in reports, e.g. 夏季作息.")
    from_day: MonthDay | None = Field(
        None, alias="from", title="First day",
        description="Month and day (MM-DD) from which this seasonal schedule applies; empty for the all-year schedule.",
    )
    until_day: MonthDay | None = Field(
        None, alias="until", title="Last day",
        description="Month and day (MM-DD) up to which it applies (inclusive); may wrap the year end (10-01 to 04-30).",
    )
    sessions: list[SessionSettings] = Field(
        min_length=1, max_length=4, title="Sessions", description="Work sessions of the day in order, e.g. 上午 and 下午."
    )

    @model_validator(mode="after")
    def verify_sessions(self) -> ScheduleSettings:
        if (self.from_day is None) != (self.until_day is None):
            raise ValueError(f"schedule {self.name!r}: give both 'from' and 'until', or neither")
        try:
            self.to_domain()
        except ValueError as exc:
            raise ValueError(f"schedule {self.name!r}: {exc}") from None
        return self

    def to_domain(self) -> DaySchedule:
        rules = [
            SessionRule(
                name=s.name, start=s.start, end=s.end, checkin_opens=_minutes(s.checkin_opens_minutes),
                checkin_closes=_minutes(s.checkin_closes_minutes),
                checkout_opens=_minutes(s.checkout_opens_minutes),
                checkout_closes=_minutes(s.checkout_closes_minutes),
            )
            for s in self.sessions
        ]
        return DaySchedule.build(self.name, rules)

    def covers(self, month_day: tuple[int, int]) -> bool:
        if self.from_day is None or self.until_day is None:
            return False
        first = _md(self.from_day)
        last = _md(self.until_day)
        if first <= last:
            return first <= month_day <= last
        return month_day >= first or month_day <= last


def _minutes(value: int | None) -> timedelta | None:
    return None if value is None else timedelta(minutes=value)


def _md(value: str) -> tuple[int, int]:
    month, day = (int(p) for p in value.split("-"))
    return month, day


def _default_schedules() -> list[ScheduleSettings]:
    return [
        ScheduleSettings.model_validate(
            {
                "name": "标准作息",
                "sessions": [
                    {"name": "上午", "start": "08:30", "end": "12:00"},
                    {"name": "下午", "start": "14:30", "end": "18:00"},
                ],
            }
        )
    ]


class RuleSettings(ConfigModel):
    """The attendance rules of one organisation (or the defaults for all)."""

    schedules: list[ScheduleSettings] = Field(
        default_factory=_default_schedules, min_length=1, max_length=12, title="Schedules",
        description="Work schedules: one without dates for the whole year, plus seasonal ones with 'from' and 'until'.",
    )
    grace_late_minutes: int = Field(
        0, ge=0, le=120, title="Grace for late arrival",
        description="A check-in up to this many whole minutes after the start is on time.",
    )
    grace_early_minutes: int = Field(
        0, ge=0, le=120, title="Grace for early leave",
        description="A check-out up to this many whole minutes before the end is not an early leave.",
    )
    village_day_rule: VillageDayRule = Field(
        VillageDayRule.morning, title="Village day rule",
        description="When a day counts as a day in the village: 'morning' (a check-in at an assigned village's kiosk "
        "in the first session), 'morning_and_afternoon' (a check-in there in every session), or 'any' (any punch "
        "there that day).",
    )
    village_days_on_rest_days: bool = Field(
        False, title="Village days on rest days",
        description="Count village days on weekends and holidays too (for the allowance).",
    )
    allowance_per_day: Decimal = Field(
        Decimal("0"), ge=0, le=10_000, max_digits=7, decimal_places=2, title="Daily village allowance (元)",
        description="Allowance paid per village day, e.g. 35.",
    )
    duty_day_excused: bool = Field(
        True, title="Duty day excused",
        description="On the day of a 24-hour duty shift the person is on duty, not absent from their post.",
    )
    duty_rest_day: bool = Field(
        True, title="Rest day after duty",
        description="The day after a 24-hour duty shift is a rest day (值班补休), not an absence.",
    )

    @model_validator(mode="after")
    def verify_seasons(self) -> RuleSettings:
        self.to_domain()  # raises ValueError naming the overlap or gap
        return self

    def to_domain(self) -> RuleSet:
        fallback = [s for s in self.schedules if s.from_day is None]
        if len(fallback) > 1:
            raise ValueError("only one schedule may be without 'from' and 'until'")
        seasonal = [s for s in self.schedules if s.from_day is not None]
        by_day: dict[tuple[int, int], ScheduleSettings] = {}
        day = date(_LEAP_YEAR, 1, 1)
        while day.year == _LEAP_YEAR:
            md = (day.month, day.day)
            hits = [s for s in seasonal if s.covers(md)]
            if len(hits) > 1:
                raise ValueError(f"schedules {hits[0].name!r} and {hits[1].name!r} both cover {day:%m-%d}")
            if not hits and not fallback:
                raise ValueError(f"no schedule covers {day:%m-%d}: add one without 'from' and 'until'")
            if hits:
                by_day[md] = hits[0]
            day += timedelta(days=1)
        domain = {id(s): s.to_domain() for s in self.schedules}
        return RuleSet(
            default=domain[id(fallback[0])] if fallback else None,
            seasonal={md: domain[id(s)] for md, s in by_day.items()},
            grace_late=timedelta(minutes=self.grace_late_minutes),
            grace_early=timedelta(minutes=self.grace_early_minutes),
            village_day_rule=self.village_day_rule,
            village_days_on_rest_days=self.village_days_on_rest_days,
            allowance_per_day=self.allowance_per_day,
            duty_day_excused=self.duty_day_excused,
            duty_rest_day=self.duty_rest_day,
        )


class OrganisationRules(RuleSettings):
    organisation: str = Field(
        min_length=1, max_length=100, title="Organisation",
        description="People whose 'organisation' equals this use these rules instead of the defaults.",
    )


class AttendanceSettings(ConfigModel):
    rules: RuleSettings = Field(
        default_factory=RuleSettings, title="Default rules",
        description="Rules for everybody whose organisation has no section of its own.",
    )
    organisations: list[OrganisationRules] = Field(
        default_factory=list, max_length=200, title="Organisation rules",
        description="Rules per organisation (e.g. a township whose afternoon starts at 14:30).",
    )
    start_date: date | None = Field(
        None, title="First day to settle",
        description="No attendance is settled before this day. Empty: from the first check-in or the day the "
        "first person was added, at most 'lookback_days' back.",
    )
    lookback_days: int = Field(
        62, ge=1, le=400, title="Settlement look-back",
        description="Days before today that settlement, leave and make-up punches may reach back to.",
    )
    settle_delay_minutes: int = Field(
        30, ge=0, le=1440, title="Settlement delay",
        description="Minutes after midnight before the day that just ended is settled.",
    )
    settle_max_wait_hours: int = Field(
        24, ge=0, le=24 * 14, title="Longest wait for devices",
        description="A day is settled once every enabled device has reported past its end; a device that has not "
        "reported within this many hours after the day ended no longer holds it up (the day is marked "
        "provisional and a late upload still corrects it).",
    )
    settle_every_minutes: int = Field(
        15, ge=1, le=1440, title="Settlement interval",
        description="How often the scheduler settles finished days and corrects days for late uploads.",
    )
    makeup_monthly_cap: int = Field(
        3, ge=0, le=31, title="Make-up punches per month",
        description="Most make-up punch requests (补卡) one person may file per month (pending and approved count).",
    )
    visit_reminder_days: int = Field(
        5, ge=0, le=27, title="Visit reminder",
        description="Days before the month ends when cadres are reminded of paired households not yet visited "
        "(0: no reminder).",
    )
    reminders_at: time = Field(
        time(9, 0), title="Reminder time", description="Local time of day when visit reminders go out."
    )
    monthly_reports_at: time = Field(
        time(6, 0), title="Monthly report time",
        description="Local time on the 1st of a month when last month's reports are written and leaders are told "
        "which pairings had no visit.",
    )
    scheduler_enabled: bool = Field(
        True, title="Scheduled jobs",
        description="Run settlement, reports and reminders in this process (one process holds the lock at a time).",
    )

    @model_validator(mode="after")
    def verify_organisations(self) -> AttendanceSettings:
        seen: set[str] = set()
        for i, org in enumerate(self.organisations):
            if org.organisation in seen:
                raise ValueError(f"organisations.{i}.organisation: duplicate organisation {org.organisation!r}")
            seen.add(org.organisation)
        return self

    def rule_sets(self) -> tuple[RuleSet, dict[str, RuleSet]]:
        return self.rules.to_domain(), {o.organisation: o.to_domain() for o in self.organisations}

