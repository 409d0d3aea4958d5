"""A person's month from their days: workdays, presence, lateness, leave by type, village days, allowance."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from watchd.domain.attendance.calendar_day import DayKind
from watchd.domain.attendance.day import DayStatus


@dataclass(frozen=True, slots=True)
class DayFacts:
    """What the month needs from one settled (or live) day; stored rows and live results both give it."""

    organisation: str
    kind: DayKind
    status: DayStatus
    session_count: int
    attended_sessions: int
    absent_sessions: int
    late_count: int
    late_minutes: int
    early_count: int
    early_minutes: int
    missing_punches: int
    leave: dict[str, float]
    village_day: bool
    suspect_punches: int
    settled: bool


@dataclass(slots=True)
class MonthSummary:
    person_id: str
    workdays: int = 0
    present_days: float = 0.0
    absent_days: float = 0.0
    late_count: int = 0
    late_minutes: int = 0
    early_count: int = 0
    early_minutes: int = 0
    missing_punches: int = 0
    leave_days: dict[str, float] = field(default_factory=dict)
    duty_days: int = 0
    duty_rest_days: int = 0
    village_days: int = 0
    allowance: Decimal = Decimal("0.00")
    unsettled_days: int = 0
    suspect_punches: int = 0


def summarise(
    person_id: str, days: Iterable[DayFacts], rate_for: Callable[[str], Decimal]
) -> MonthSummary:
    """Sum the days; fractions of a day (half-day leave, an absent afternoon) count by session."""
    out = MonthSummary(person_id)
    allowance = Decimal("0")
    for d in days:
        if d.kind.is_workday:
            out.workdays += 1
        if not d.settled:
            out.unsettled_days += 1
        out.suspect_punches += d.suspect_punches
        if d.village_day:
            out.village_days += 1
            allowance += rate_for(d.organisation)
        if d.status is DayStatus.on_duty:
            out.duty_days += 1
        elif d.status is DayStatus.duty_rest:
            out.duty_rest_days += 1
        if not d.kind.is_workday or d.session_count == 0:
            continue
        out.present_days += d.attended_sessions / d.session_count
        out.absent_days += d.absent_sessions / d.session_count
        out.late_count += d.late_count
        out.late_minutes += d.late_minutes
        out.early_count += d.early_count
        out.early_minutes += d.early_minutes
        out.missing_punches += d.missing_punches
        for kind, fraction in d.leave.items():
            out.leave_days[kind] = out.leave_days.get(kind, 0.0) + fraction
    out.present_days = round(out.present_days, 2)
    out.absent_days = round(out.absent_days, 2)
    out.leave_days = {k: round(v, 2) for k, v in out.leave_days.items()}
    out.allowance = allowance.quantize(Decimal("0.01"))
    return out


@dataclass(slots=True)
class PeriodTotals:
    """The few sums of a period the appraisal sheet shows, counted as `summarise` counts them: village
    days with their allowance, and on working days with sessions the late count and absent days."""

    village_days: int = 0
    allowance: Decimal = Decimal("0.00")
    late_count: int = 0
    absent_days: float = 0.0

    def add(self, village_days: int, rate: Decimal, late_count: int, absent_days: float) -> None:
        self.village_days += village_days
        self.allowance += rate * village_days
        self.late_count += late_count
        self.absent_days += absent_days

    def add_day(self, d: DayFacts, rate: Decimal) -> None:
        counted = d.kind.is_workday and d.session_count > 0
        self.add(
            int(d.village_day),
            rate,
            d.late_count if counted else 0,
            d.absent_sessions / d.session_count if counted else 0.0,
        )

    def rounded(self) -> PeriodTotals:
        return PeriodTotals(
            self.village_days, self.allowance.quantize(Decimal("0.01")), self.late_count, round(self.absent_days, 2)
        )
