"""Spot checks (查岗): when a shift's checks come, and what a miss means. Pure: the random source and
the shift's bounds come in, no I/O.

The times are drawn uniformly over the part of the shift that is allowed (inside the window, outside
quiet hours, away from the shift's edges), then kept only if every two are at least the minimum gap
apart (rejection sampling: the result is uniform over all allowed sets of times). Which of them go to
the screen and which to the phone is a random shuffle too, so nothing about a check can be predicted
from the one before.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from zoneinfo import ZoneInfo

from watchd.domain.observations import Severity

TRIES = 2000  # rejection-sampling attempts per count before one check fewer is drawn
CODE_DIGITS = 4


class Channel(StrEnum):
    screen = "screen"  # a dialog with a countdown on the duty-room screen
    sms = "sms"  # a text to the officer on duty with a code to reply with


class Status(StrEnum):
    planned = "planned"  # drawn, not due yet
    open = "open"  # shown / sent, waiting for the answer
    answered = "answered"
    missed = "missed"  # no answer in time
    skipped = "skipped"  # could not be made (nobody rostered, no phone, the server was down at the time)


CHANNEL_TEXT = {Channel.screen: "屏幕", Channel.sms: "短信"}
STATUS_TEXT = {
    Status.planned: "待查",
    Status.open: "待应答",
    Status.answered: "已应答",
    Status.missed: "未应答",
    Status.skipped: "未进行",
}

Span = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class Daily:
    """A range of local times of day; an end before the start runs past midnight."""

    start: time
    end: time


@dataclass(frozen=True, slots=True)
class DrawRules:
    screen: int
    sms: int
    min_gap: timedelta
    edge: timedelta  # no check this close to the shift's start or end (hand-over; the answer time fits)
    window: Daily | None
    quiet: Sequence[Daily]


@dataclass(frozen=True, slots=True)
class Draw:
    at: datetime
    channel: Channel


def local_spans(rule: Daily, first: date, last: date, zone: ZoneInfo) -> list[Span]:
    """The rule's ranges as UTC-aware spans for every day from `first` to `last` (and the day before)."""
    spans = []
    day = first - timedelta(days=1)
    while day <= last:
        start = datetime.combine(day, rule.start, zone)
        end_day = day if rule.end > rule.start else day + timedelta(days=1)
        spans.append((start, datetime.combine(end_day, rule.end, zone)))
        day += timedelta(days=1)
    return spans


def _intersect(spans: Sequence[Span], others: Sequence[Span]) -> list[Span]:
    out = []
    for a, b in spans:
        for c, d in others:
            lo, hi = max(a, c), min(b, d)
            if lo < hi:
                out.append((lo, hi))
    return sorted(out)


def _subtract(spans: Sequence[Span], holes: Sequence[Span]) -> list[Span]:
    out = list(spans)
    for c, d in holes:
        nxt = []
        for a, b in out:
            if d <= a or c >= b:
                nxt.append((a, b))
                continue
            if a < c:
                nxt.append((a, c))
            if d < b:
                nxt.append((d, b))
        out = nxt
    return sorted(out)


def allowed_spans(start: datetime, end: datetime, rules: DrawRules, zone: ZoneInfo) -> list[Span]:
    """The parts of the shift [start, end) where a drawn check may come."""
    spans = [(start + rules.edge, end - rules.edge)] if end - start > 2 * rules.edge else []
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    if rules.window is not None:
        spans = _intersect(spans, local_spans(rules.window, first, last, zone))
    for quiet in rules.quiet:
        spans = _subtract(spans, local_spans(quiet, first, last, zone))
    return spans


def _pick(rng: random.Random, spans: Sequence[Span], count: int, gap: timedelta) -> list[datetime] | None:
    total = sum((b - a).total_seconds() for a, b in spans)
    if total <= 0:
        return None
    for _ in range(TRIES):
        times = []
        for _ in range(count):
            offset = rng.uniform(0, total)
            for a, b in spans:
                length = (b - a).total_seconds()
                if offset <= length:
                    times.append(a + timedelta(seconds=offset))
                    break
                offset -= length
        times.sort()
        if all(later - earlier >= gap for earlier, later in pairwise(times)):
            return [t.replace(microsecond=0) for t in times]
    return None


def draw_checks(
    rng: random.Random, start: datetime, end: datetime, rules: DrawRules, zone: ZoneInfo
) -> list[Draw]:
    """The shift's checks: as many as fit (all of them unless the allowed time is too short for the gap)."""
    spans = allowed_spans(start, end, rules, zone)
    channels = [Channel.screen] * rules.screen + [Channel.sms] * rules.sms
    count = len(channels)
    while count > 0:
        times = _pick(rng, spans, count, rules.min_gap)
        if times is not None:
            rng.shuffle(channels)
            return [Draw(at, channel) for at, channel in zip(times, channels[:count], strict=True)]
        count -= 1
    return []


def new_code(rng: random.Random, taken: Sequence[str] = ()) -> str:
    """A code of four digits for the officer to type or reply with, not one in `taken`."""
    while True:
        code = "".join(str(rng.randrange(10)) for _ in range(CODE_DIGITS))
        if code not in taken:
            return code


def miss_severity(misses_in_shift: int, major_after: int) -> Severity:
    """The miss that makes `major_after` (or more) in one shift is major."""
    return Severity.major if misses_in_shift >= major_after else Severity.normal


def miss_summary(misses_in_shift: int, officers: str, channel: Channel) -> str:
    """ "查岗未应答（屏幕，值班：乌云）", from the second miss on with "本班第2次"."""
    nth = f"本班第{misses_in_shift}次" if misses_in_shift > 1 else ""
    return f"{nth}查岗未应答（{CHANNEL_TEXT[channel]}，值班：{officers or '未排班'}）"


@dataclass(frozen=True, slots=True)
class SpotCheckView:
    id: int
    room_id: str
    day: str  # the shift's day, ISO
    channel: str  # screen | sms
    channel_text: str
    status: str  # planned | open | answered | missed | skipped
    status_text: str
    started_by: str | None  # the leader who started it; None: drawn at random
    planned_at: datetime
    issued_at: datetime | None
    due_at: datetime | None
    officers: list[str]  # names of the officers on duty when it was issued
    texted: str | None  # sms: the officer texted and the number, masked
    answered_at: datetime | None
    answered_by: str | None
    answer_seconds: int | None
    note: str


@dataclass(frozen=True, slots=True)
class ScreenCheckView:
    """The open screen check, for the duty-room screen only."""

    id: int
    room_id: str
    room_name: str
    code: str
    nonce: str
    issued_at: datetime
    due_at: datetime
    seconds_left: int
    started_by: str | None
