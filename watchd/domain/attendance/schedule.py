"""Work schedules: sessions with their punch windows, seasonal variants, the rules of one organisation.

Everything is resolved to offsets from local midnight once, when the configuration is loaded, so
the per-day evaluation only adds offsets to a midnight.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

DAY = timedelta(days=1)
FIRST_CHECKIN_OPENS = timedelta(minutes=120)
LAST_CHECKOUT_CLOSES = timedelta(minutes=360)


class VillageDayRule(StrEnum):
    morning = "morning"  # a check-in at an assigned village in the first session
    morning_and_afternoon = "morning_and_afternoon"  # a check-in there in every session
    any = "any"  # any punch there that day


@dataclass(frozen=True, slots=True)
class SessionRule:
    """A session as configured; None windows take their defaults (see SessionWindows)."""

    name: str
    start: time
    end: time
    checkin_opens: timedelta | None = None  # before start
    checkin_closes: timedelta | None = None  # after start
    checkout_opens: timedelta | None = None  # before end
    checkout_closes: timedelta | None = None  # after end


@dataclass(frozen=True, slots=True)
class SessionWindows:
    """A session resolved to offsets from local midnight. Windows are half-open: [open, close)."""

    name: str
    start: timedelta
    end: timedelta
    in_open: timedelta
    in_close: timedelta
    out_open: timedelta
    out_close: timedelta

    @property
    def length(self) -> timedelta:
        return self.end - self.start


def _offset(t: time) -> timedelta:
    return timedelta(hours=t.hour, minutes=t.minute, seconds=t.second)


def _hhmm(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, slots=True)
class DaySchedule:
    name: str
    sessions: tuple[SessionWindows, ...]

    @classmethod
    def build(cls, name: str, rules: Sequence[SessionRule]) -> DaySchedule:
        """Resolve the windows; raise ValueError naming the first inconsistency."""
        if not rules:
            raise ValueError("a schedule needs at least one session")
        out: list[SessionWindows] = []
        for i, rule in enumerate(rules):
            start, end = _offset(rule.start), _offset(rule.end)
            if end <= start:
                raise ValueError(f"session {rule.name!r} ends before it starts")
            prev = rules[i - 1] if i else None
            nxt = rules[i + 1] if i + 1 < len(rules) else None
            if prev is not None and _offset(prev.end) > start:
                raise ValueError(f"sessions {prev.name!r} and {rule.name!r} overlap")
            middle = start + (end - start) / 2
            if rule.checkin_opens is not None:
                in_open = start - rule.checkin_opens
            elif prev is None:
                in_open = max(timedelta(0), start - FIRST_CHECKIN_OPENS)
            else:
                in_open = _offset(prev.end) + (start - _offset(prev.end)) / 2
            in_close = start + rule.checkin_closes if rule.checkin_closes is not None else middle
            out_open = end - rule.checkout_opens if rule.checkout_opens is not None else middle
            if rule.checkout_closes is not None:
                out_close = end + rule.checkout_closes
            elif nxt is None:
                out_close = min(DAY, end + LAST_CHECKOUT_CLOSES)
            else:
                out_close = end + (_offset(nxt.start) - end) / 2
            if in_open < timedelta(0):
                raise ValueError(f"session {rule.name!r}: the check-in window would open before midnight")
            if out_close > DAY:
                raise ValueError(f"session {rule.name!r}: the check-out window would close after midnight")
            if in_close > out_open:
                raise ValueError(
                    f"session {rule.name!r}: the check-in window (until {_hhmm(in_close)}) overlaps the "
                    f"check-out window (from {_hhmm(out_open)})"
                )
            if out and out[-1].out_close > in_open:
                raise ValueError(
                    f"sessions {out[-1].name!r} and {rule.name!r}: the check-out window (until "
                    f"{_hhmm(out[-1].out_close)}) overlaps the next check-in window (from {_hhmm(in_open)})"
                )
            out.append(SessionWindows(rule.name, start, end, in_open, in_close, out_open, out_close))
        return cls(name, tuple(out))

    @property
    def minutes(self) -> int:
        return int(sum((s.length for s in self.sessions), timedelta(0)).total_seconds() // 60)


@dataclass(frozen=True, slots=True)
class SessionBounds:
    """A session on one day: the windows as UTC instants (comparisons with UTC punches stay cheap)."""

    name: str
    start: datetime
    end: datetime
    in_open: datetime
    in_close: datetime
    out_open: datetime
    out_close: datetime


@dataclass(frozen=True, slots=True)
class DayFrame:
    """A schedule placed on a date: computed once per (schedule, day) and shared by everybody."""

    name: str
    day: date
    sessions: tuple[SessionBounds, ...]
    minutes: int

    @classmethod
    def of(cls, schedule: DaySchedule, day: date, zone: ZoneInfo) -> DayFrame:
        base = midnight(day, zone)

        def utc(offset: timedelta) -> datetime:
            return (base + offset).astimezone(UTC)

        sessions = tuple(
            SessionBounds(
                s.name, utc(s.start), utc(s.end), utc(s.in_open), utc(s.in_close), utc(s.out_open), utc(s.out_close)
            )
            for s in schedule.sessions
        )
        return cls(schedule.name, day, sessions, schedule.minutes)


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The attendance rules of one organisation."""

    default: DaySchedule | None
    seasonal: Mapping[tuple[int, int], DaySchedule]
    grace_late: timedelta
    grace_early: timedelta
    village_day_rule: VillageDayRule
    village_days_on_rest_days: bool
    allowance_per_day: Decimal
    duty_day_excused: bool
    duty_rest_day: bool

    def schedule_for(self, day: date) -> DaySchedule:
        found = self.seasonal.get((day.month, day.day), self.default)
        if found is None:  # the settings validator makes this impossible
            raise LookupError(f"no schedule covers {day:%m-%d}")
        return found


def midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)
