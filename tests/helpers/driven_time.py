"""Monotonic time a test drives, for the device loops' `Timing` (devices/backoff.py).

Every wait a loop asks for is recorded and blocks until the test moves the clock past its end
(`skip()` jumps to the next wake-up, `advance()` by a given amount), or until the loop's own stop
or halt event is set. A 60 s backoff then takes no real time, and nothing sleeps on a guess.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

from devices.backoff import Timing


class DrivenTime:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.waits: list[float] = []  # every wait asked for, in seconds, in order
        self._cond = threading.Condition()
        self._deadlines: list[float] = []  # of the waits in progress
        self._wakers: list[tuple[asyncio.AbstractEventLoop, asyncio.Event, float]] = []

    @property
    def timing(self) -> Timing:
        return Timing(monotonic=self.monotonic, sleep=self.sleep, wait=self.wait)

    def monotonic(self) -> float:
        with self._cond:
            return self.now

    # --- what the loops call ------------------------------------------------------------------

    async def sleep(self, stop: asyncio.Event, seconds: float) -> bool:
        deadline = self._begin(seconds)
        woken = asyncio.Event()
        waker = (asyncio.get_running_loop(), woken, deadline)
        with self._cond:
            self._wakers.append(waker)
            due = self.now >= deadline
        if due:
            woken.set()
        waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(woken.wait())]
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
            self._end(deadline)
            with self._cond:
                if waker in self._wakers:
                    self._wakers.remove(waker)
        return stop.is_set()

    def wait(self, halt: threading.Event, seconds: float) -> bool:
        deadline = self._begin(seconds)
        try:
            with self._cond:
                while self.now < deadline and not halt.is_set():
                    self._cond.wait(0.01)  # the halt event is not tied to the condition: look again soon
        finally:
            self._end(deadline)
        return halt.is_set()

    # --- what the test calls ------------------------------------------------------------------

    @property
    def sleeping(self) -> int:
        """How many waits are in progress and not yet due."""
        with self._cond:
            return sum(1 for d in self._deadlines if d > self.now)

    def advance(self, seconds: float) -> None:
        with self._cond:
            self.now += seconds
            now = self.now
            self._cond.notify_all()
            due = [(loop, event) for loop, event, deadline in self._wakers if deadline <= now]
            self._wakers = [w for w in self._wakers if w[2] > now]
        for loop, event in due:
            loop.call_soon_threadsafe(event.set)

    def skip(self) -> float:
        """Move the clock to the end of the earliest wait in progress; the seconds skipped."""
        with self._cond:
            ahead = [d for d in self._deadlines if d > self.now]
            if not ahead:
                raise AssertionError(f"nothing is waiting; asked so far: {self.waits}")
            step = min(ahead) - self.now
        self.advance(step)
        return step

    def wait_until_sleeping(self, count: int = 1, limit: float = 10.0) -> None:
        """Block (a test without an event loop) until `count` waits are in progress."""
        deadline = time.monotonic() + limit
        while self.sleeping < count:
            assert time.monotonic() < deadline, f"{count} wait(s) never began; asked so far: {self.waits}"
            time.sleep(0.005)

    async def until_sleeping(self, count: int = 1, limit: float = 10.0) -> None:
        """Wait on the event loop until `count` waits are in progress."""
        deadline = time.monotonic() + limit
        while self.sleeping < count:
            assert time.monotonic() < deadline, f"{count} wait(s) never began; asked so far: {self.waits}"
            await asyncio.sleep(0.005)

    async def skip_until(self, condition: Callable[[], bool], limit: float = 10.0) -> None:
        """Skip wait after wait (the loops' time jumps ahead) until `condition()` holds."""
        deadline = time.monotonic() + limit
        while not condition():
            assert time.monotonic() < deadline, f"condition never held; waits asked: {self.waits}"
            if self.sleeping:
                self.skip()
            else:
                await asyncio.sleep(0.005)

    # ------------------------------------------------------------------------------------------

    def _begin(self, seconds: float) -> float:
        with self._cond:
            self.waits.append(seconds)
            deadline = self.now + max(seconds, 0.0)
            self._deadlines.append(deadline)
            return deadline

    def _end(self, deadline: float) -> None:
        with self._cond:
            self._deadlines.remove(deadline)
