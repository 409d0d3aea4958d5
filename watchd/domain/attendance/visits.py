"""Household visits: monthly compliance of cadre–household pairings and when reminders are due."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from watchd.domain.leave import month_bounds


@dataclass(frozen=True, slots=True)
class PairingSpan:
    person_id: str
    household_id: str
    created_at: datetime
    ended_at: datetime | None

    def active_during(self, start: datetime, end: datetime) -> bool:
        return self.created_at < end and (self.ended_at is None or self.ended_at > start)


@dataclass(frozen=True, slots=True)
class PairingMonth:
    person_id: str
    household_id: str
    visits: int
    last_visit_at: datetime | None

    @property
    def compliant(self) -> bool:
        """Every pairing needs at least one visit a month."""
        return self.visits > 0


def pairing_months(
    pairings: Iterable[PairingSpan], visits: Iterable[tuple[str, str, datetime]], start: datetime, end: datetime
) -> list[PairingMonth]:
    """Each pairing active in [start, end) with its visits (person, household, time) in that span."""
    counts: dict[tuple[str, str], list[datetime]] = {}
    for person_id, household_id, at in visits:
        if start <= at < end:
            counts.setdefault((person_id, household_id), []).append(at)
    out = []
    for p in pairings:
        if not p.active_during(start, end):
            continue
        times = counts.get((p.person_id, p.household_id), [])
        out.append(PairingMonth(p.person_id, p.household_id, len(times), max(times) if times else None))
    return out


def reminder_day(today: date, days_before: int) -> date | None:
    """The day of this month on which cadres are reminded (None: reminders are off)."""
    if days_before <= 0:
        return None
    _, next_first = month_bounds(today)
    return next_first - timedelta(days=1 + days_before)


def reminder_due(today: date, days_before: int) -> bool:
    """Due from the reminder day to the month's end, so a day missed while down is caught up."""
    day = reminder_day(today, days_before)
    return day is not None and today >= day


def previous_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)
