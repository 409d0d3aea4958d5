"""Per-recipient flood control. Pure: past send times and `now` in, the earliest allowed time out.

Messages over a limit are not dropped: while there is room they go out one by one; what does not
fit goes out as one summary with counts in the last free slot, or waits until a window has room
again and then goes out as one summary (see `Outbox.claim`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Window:
    length: timedelta
    limit: int


def next_allowed(sent: Sequence[datetime], windows: Sequence[Window], now: datetime) -> datetime:
    """The earliest time at or after `now` when one more message stays within every window."""
    allowed = now
    ordered = sorted(sent)
    for w in windows:
        recent = [t for t in ordered if t > now - w.length]
        if len(recent) >= w.limit:
            # One more fits once the oldest of the last `limit` messages leaves the window.
            allowed = max(allowed, recent[-w.limit] + w.length)
    return allowed


def capacity(sent: Sequence[datetime], windows: Sequence[Window], now: datetime) -> int:
    """How many more messages may go out at `now` without breaking a window."""
    return max(0, min((w.limit - sum(1 for t in sent if t > now - w.length) for w in windows), default=0))


def split_burst(waiting: int, room: int, direct: int = 0) -> tuple[int, bool]:
    """Of `waiting` incident messages and `direct` ones (no incident: never merged) with `room` free
    slots: how many go out one by one, incident messages first, and whether the rest of the incident
    messages go as one summary (in the last slot). Direct messages that do not fit wait.
    (0, False) means wait."""
    if room <= 0 or waiting + direct <= 0:
        return 0, False
    if waiting <= room:
        return waiting + min(direct, room - waiting), False
    return room - 1, True


def lookback(windows: Sequence[Window]) -> timedelta:
    return max((w.length for w in windows), default=timedelta(0))
