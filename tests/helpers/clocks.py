"""Clocks a test drives: wall-clock time (FakeClock), monotonic seconds (MonoClock), and the device
loops' waits (DrivenTime, in driven_time.py). WallClock is the real clock, for date_sensitive tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.helpers.driven_time import DrivenTime

__all__ = ["DrivenTime", "FakeClock", "MonoClock", "WallClock"]


class FakeClock:
    """A clock the test drives; starts at a fixed Monday morning in Asia/Shanghai."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 23, 0, 30, tzinfo=UTC)  # 08:30 in Asia/Shanghai

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


class WallClock(FakeClock):
    """The real clock, for date_sensitive tests only: a browser's or a daemon's clock decides there."""

    def __call__(self) -> datetime:
        return datetime.now(UTC)


class MonoClock:
    """Monotonic seconds the test sets (heartbeats, the watchdog, rate figures)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now
