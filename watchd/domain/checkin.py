"""Pure check-in decisions: time plausibility, repeats, the local day. `now` is always passed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


class CaptureTimeRejected(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message


def accept_capture_time(
    captured_at: datetime | None, *, now: datetime, max_skew: timedelta, max_age: timedelta
) -> datetime:
    """The time a check-in happened: the kiosk's capture time when plausible, else refuse.

    A kiosk that was offline sends its queued check-ins later with the time they were captured;
    that time is kept so the attendance record is right. A time in the future beyond the allowed
    clock skew, or older than the offline queue may hold, is refused rather than guessed.
    """
    if captured_at is None:
        return now
    if captured_at.tzinfo is None:
        raise CaptureTimeRejected("naive_time", "captured_at must carry a UTC offset")
    if captured_at - now > max_skew:
        raise CaptureTimeRejected("future_time", f"captured_at {captured_at.isoformat()} is in the future")
    if now - captured_at > max_age:
        raise CaptureTimeRejected("too_old", f"captured_at {captured_at.isoformat()} is older than the queue limit")
    return min(captured_at, now)


@dataclass(frozen=True, slots=True)
class RepeatWindow:
    minutes: int

    def bounds(self, occurred_at: datetime) -> tuple[datetime, datetime]:
        """The span around `occurred_at` in which an earlier check-in makes this one a repeat."""
        span = timedelta(minutes=self.minutes)
        return occurred_at - span, occurred_at + span


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()
