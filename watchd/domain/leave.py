"""Leave and make-up punch decisions: pure functions with `now` passed in.

Leave (事假, 病假, 年休假, 公出/出差, 调休) is a span of time; approved leave excuses the sessions it
covers. A request that overlaps a day on which the person holds a 24-hour duty shift is refused,
unless a swap has handed that shift to someone else (the DutyCalendar answers after swaps).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from watchd.domain.attendance.duty import DutyCalendar

MAX_LEAVE = timedelta(days=180)
MAX_REASON = 500


class LeaveKind(StrEnum):
    personal = "personal"  # 事假
    sick = "sick"  # 病假
    annual = "annual"  # 年休假
    business = "business"  # 公出/出差
    compensatory = "compensatory"  # 调休


LEAVE_NAMES: dict[LeaveKind, str] = {
    LeaveKind.personal: "事假",
    LeaveKind.sick: "病假",
    LeaveKind.annual: "年休假",
    LeaveKind.business: "公出/出差",
    LeaveKind.compensatory: "调休",
}


class RequestStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    cancelled = "cancelled"


@dataclass(frozen=True, slots=True)
class LeaveSpan:
    kind: LeaveKind
    start: datetime
    end: datetime

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


class LeaveRefused(ValueError):
    """A request that cannot be filed or approved; `code` is stable, `message` English."""

    def __init__(self, code: str, message: str, **details: object) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.details = details


def local_days(start: datetime, end: datetime, zone: ZoneInfo) -> list[date]:
    """Every local day the half-open span [start, end) touches."""
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def check_leave_request(
    *, start: datetime, end: datetime, reason: str, now: datetime, lookback: timedelta,
    existing: Sequence[LeaveSpan],
) -> None:
    """Refuse a malformed or overlapping leave request."""
    if start.tzinfo is None or end.tzinfo is None:
        raise LeaveRefused("naive_time", "leave start and end must carry a UTC offset")
    if end <= start:
        raise LeaveRefused("leave_bad_span", "leave must end after it starts")
    if end - start > MAX_LEAVE:
        raise LeaveRefused("leave_too_long", f"a single leave request covers at most {MAX_LEAVE.days} days")
    if start < now - lookback:
        raise LeaveRefused("leave_too_old", f"leave may start at most {lookback.days} days back")
    if not reason.strip() or len(reason) > MAX_REASON:
        raise LeaveRefused("reason_required", f"give a reason of 1 to {MAX_REASON} characters")
    for other in existing:
        if other.overlaps(start, end):
            raise LeaveRefused(
                "leave_overlaps", "the person already has leave in this period",
                other_start=other.start.isoformat(), other_end=other.end.isoformat(),
            )


def duty_conflicts(
    person_id: str, start: datetime, end: datetime, zone: ZoneInfo, duty: DutyCalendar
) -> list[date]:
    """The days of the leave on which the person holds a duty shift (after swaps)."""
    return [d for d in local_days(start, end, zone) if duty.on_duty(person_id, d)]


def check_no_duty(person_id: str, start: datetime, end: datetime, zone: ZoneInfo, duty: DutyCalendar) -> None:
    days = duty_conflicts(person_id, start, end, zone, duty)
    if days:
        raise LeaveRefused(
            "leave_overlaps_duty", "the leave overlaps a duty shift; arrange a swap first",
            days=[d.isoformat() for d in days],
        )


def check_makeup_request(
    *, at: datetime, reason: str, now: datetime, lookback: timedelta, used_this_month: int, cap: int
) -> None:
    """Refuse a make-up punch in the future, too far back, without reason, or over the monthly cap."""
    if at.tzinfo is None:
        raise LeaveRefused("naive_time", "the punch time must carry a UTC offset")
    if at > now:
        raise LeaveRefused("makeup_in_future", "a make-up punch cannot be in the future")
    if at < now - lookback:
        raise LeaveRefused("makeup_too_old", f"a make-up punch may reach at most {lookback.days} days back")
    if not reason.strip() or len(reason) > MAX_REASON:
        raise LeaveRefused("reason_required", f"give a reason of 1 to {MAX_REASON} characters")
    if used_this_month >= cap:
        raise LeaveRefused(
            "makeup_cap_reached", f"at most {cap} make-up punches per month", cap=cap, used=used_this_month
        )


def month_bounds(day: date) -> tuple[date, date]:
    """First day of the month and first day of the next month."""
    first = day.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return first, nxt
