"""Reconnecting with capped exponential backoff: the one helper every device loop uses.

A loop that keeps a device going (a capture thread of a kiosk or duty camera, a terminal driver's
sessions, the camera watch's worker thread, the supervisor restarting a crashed driver) tries,
fails, waits and tries again: 1 s, 2 s, 4 s ... up to a cap, and from the start again after a
session that worked (one that delivered, or lasted longer than `reset_after_s`).

Time comes from a `Timing`: a monotonic clock and the two ways a loop waits (a worker thread on
its halt event, a coroutine on its stop event). Production uses `REAL_TIME`; tests pass a driven
one (tests/timing.py) and advance it instead of sleeping, so a 60 s backoff takes no time at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Monotonic = Callable[[], float]
Sleep = Callable[[asyncio.Event, float], Awaitable[bool]]
Wait = Callable[[threading.Event, float], bool]


async def sleep_unless(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep `seconds` unless `stop` is set first; True when stopped."""
    if stop.is_set():
        return True
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=max(seconds, 0))
    return stop.is_set()


def wait_unless(halt: threading.Event, seconds: float) -> bool:
    """Block `seconds` unless `halt` is set first; True when halted."""
    return halt.wait(max(seconds, 0))


@dataclass(frozen=True, slots=True)
class Timing:
    """Where a device loop gets its time from."""

    monotonic: Monotonic = time.monotonic
    sleep: Sleep = sleep_unless  # coroutines: sleep unless the stop event is set; True when stopped
    wait: Wait = wait_unless  # worker threads: block unless the halt event is set; True when halted


REAL_TIME = Timing()


class Backoff:
    """The delays between attempts of one loop, and how many there were.

    Call `attempt()` before each try, `worked()` when a try delivered something, and `sleep()` or
    `wait()` after a try that failed or ended; they wait the current delay and double the next.
    """

    def __init__(
        self, initial_s: float, max_s: float, *, timing: Timing = REAL_TIME, reset_after_s: float | None = None
    ) -> None:
        self.initial_s = initial_s
        self.max_s = max_s
        self.timing = timing
        self.reset_after_s = reset_after_s  # a try that lasted longer than this worked
        self.delay_s = initial_s  # the next wait
        self.retries = 0  # attempts after the first
        self.failing = False  # since the last failure, until a try works: log a streak once
        self._attempts = 0
        self._started: float | None = None

    def attempt(self) -> bool:
        """A try starts now; True when it is a retry (not the first)."""
        self._attempts += 1
        self._started = self.timing.monotonic()
        if self._attempts > 1:
            self.retries += 1
            return True
        return False

    def failed(self) -> bool:
        """The try failed; True when it is the first failure of a streak (the one to log loudly)."""
        first = not self.failing
        self.failing = True
        return first

    def worked(self) -> None:
        """The try delivered: the next wait starts from the beginning again."""
        self.delay_s = self.initial_s
        self.failing = False

    def hold(self, seconds: float) -> None:
        """Wait at least `seconds` from now on (a refused password: do not lock the account)."""
        self.delay_s = max(self.delay_s, seconds)

    def next_delay(self, *, at_least: float = 0.0) -> float:
        """The wait before the next try (at least `at_least` this once); the one after doubles."""
        lasted = None if self._started is None else self.timing.monotonic() - self._started
        if self.reset_after_s is not None and lasted is not None and lasted > self.reset_after_s:
            self.worked()
        delay = max(self.delay_s, at_least)
        self.delay_s = min(self.delay_s * 2, self.max_s)
        return delay

    async def sleep(self, stop: asyncio.Event, *, at_least: float = 0.0) -> bool:
        """Wait before the next try on the event loop; True when `stop` was set meanwhile."""
        return await self.timing.sleep(stop, self.next_delay(at_least=at_least))

    def wait(
        self, halt: threading.Event, *, beat: Callable[[], None] | None = None, beat_every_s: float = 10.0
    ) -> bool:
        """Wait before the next try in a worker thread, calling `beat` at least every `beat_every_s`
        (a heartbeat: a thread waiting out a backoff is not stuck); True when `halt` was set."""
        seconds = self.next_delay()
        if beat is None:
            return self.timing.wait(halt, seconds)
        deadline = self.timing.monotonic() + seconds
        while (left := deadline - self.timing.monotonic()) > 0:
            beat()
            if self.timing.wait(halt, min(left, beat_every_s)):
                return True
        beat()
        return halt.is_set()
