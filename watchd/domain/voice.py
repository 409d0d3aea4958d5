"""When an incident calls a phone, and whether a number may be called now. Pure: `now` and the
past calls come in, a decision goes out.

Call rules pick, by severity and the township's hour, whether a step calls instead of texting, with
the text, or after a text nobody acknowledged. The per-number limits mirror the vendors' own
(Aliyun: 1 a minute, 5 an hour, 20 a day; Tencent: 1 between 22:00 and 08:00 by default): a call
they would refuse, or count, is not placed; the escalation moves to the next person instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

CallMode = Literal["instead", "with_text", "after_text"]


@dataclass(frozen=True, slots=True)
class Hours:
    """From `start` to `end` local time; past midnight when end <= start; start == end: all day."""

    start: time
    end: time

    def contains(self, t: time) -> bool:
        if self.start == self.end:
            return True
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end

    def began(self, local: datetime) -> datetime:
        """When the stretch of these hours that holds `local` began (local must be inside)."""
        start = datetime.combine(local.date(), self.start, tzinfo=local.tzinfo)
        return start if start <= local else start - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class CallRule:
    severity: str
    hours: Hours
    mode: CallMode
    after: timedelta  # after_text: the call waits this long for an acknowledgement


@dataclass(frozen=True, slots=True)
class CallLimits:
    windows: Sequence[tuple[timedelta, int]]  # at most n calls to one number in any such window
    night: Hours
    night_max: int


def call_rule(rules: Sequence[CallRule], severity: str, now: datetime, zone: ZoneInfo) -> CallRule | None:
    """The first rule for this severity whose hours hold `now` (township time)."""
    local = now.astimezone(zone).time()
    return next((r for r in rules if r.severity == severity and r.hours.contains(local)), None)


def call_refusal(past: Sequence[datetime], at: datetime, limits: CallLimits, zone: ZoneInfo) -> str | None:
    """Why a call to a number at `at` is not allowed, given its calls `past`; None: allowed."""
    for length, most in limits.windows:
        if sum(1 for t in past if at - length < t <= at + length) >= most:
            return f"{most} call(s) per {_minutes(length)} per number"
    local = at.astimezone(zone)
    if limits.night.contains(local.time()):
        began = limits.night.began(local)
        if (
            sum(1 for t in past if began <= t.astimezone(zone) <= local + timedelta(hours=12))
            >= limits.night_max
        ):
            return f"{limits.night_max} call(s) per number at night ({limits.night.start:%H:%M}-{limits.night.end:%H:%M})"
    return None


def _minutes(length: timedelta) -> str:
    minutes = length.total_seconds() / 60
    return f"{minutes / 60:g} h" if minutes >= 60 else f"{minutes:g} min"
