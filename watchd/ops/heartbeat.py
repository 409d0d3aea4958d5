"""Heartbeats of the pipeline stages: each loop says "still turning" at its own interval.

A stage registers with the interval at which it promises to beat and beats from its loop, also
while it waits: a consumer of an empty queue waits with a timeout of one interval and beats on
each timeout (`get_beating`), so idle never looks dead, while a stage stuck in a call (a hung
database query, a wedged decoder thread, a blocked event loop) stops beating. A stage is stale
when it has not beaten within `interval x factor`. The systemd watchdog (watchd/ops/watchdog.py),
/healthz and /metrics read the registry.

Beats may come from any thread (camera worker threads, scheduler jobs); the registry is locked.
A stage that ends on purpose closes its handle; a stage whose task dies without closing stays
registered and goes stale, which is the point.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import TypeVar

DEFAULT_FACTOR = 3.0
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class StageState:
    name: str
    interval_s: float
    age_s: float  # seconds since the last beat
    stale: bool


class Heartbeat:
    """One stage's handle: `beat()` from its loop, `close()` when it stops on purpose."""

    __slots__ = ("_registry", "_token", "interval_s", "name")

    def __init__(self, registry: Heartbeats, name: str, interval_s: float, token: object) -> None:
        self._registry = registry
        self.name = name
        self.interval_s = interval_s
        self._token = token

    def beat(self) -> None:
        self._registry.touch(self.name, self._token)

    def close(self) -> None:
        self._registry.release(self.name, self._token)

    def __enter__(self) -> Heartbeat:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        """Leaving on purpose (return, cancellation, stop) closes; dying of an error leaves the stage to go stale."""
        if kind is None or not issubclass(kind, Exception):
            self.close()


@dataclass(slots=True)
class _Stage:
    interval_s: float
    last: float
    token: object


class Heartbeats:
    """The registry of stages. `clock` is monotonic seconds (tests pass a fake)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, factor: float = DEFAULT_FACTOR) -> None:
        self.clock = clock
        self.factor = factor
        self._stages: dict[str, _Stage] = {}
        self._lock = threading.Lock()

    def register(self, name: str, interval_s: float) -> Heartbeat:
        """Start tracking `name` (counts as a beat now). Registering a name again replaces the old stage
        (a restarted driver or camera takes over its predecessor's name)."""
        if interval_s <= 0:
            raise ValueError(f"heartbeat {name}: interval must be positive, not {interval_s}")
        token = object()
        with self._lock:
            self._stages[name] = _Stage(interval_s, self.clock(), token)
        return Heartbeat(self, name, interval_s, token)

    def touch(self, name: str, token: object) -> None:
        """A beat of the stage registered under `token` (a replaced stage's old handle is ignored)."""
        with self._lock:
            stage = self._stages.get(name)
            if stage is not None and stage.token is token:
                stage.last = self.clock()

    def release(self, name: str, token: object) -> None:
        with self._lock:
            stage = self._stages.get(name)
            if stage is not None and stage.token is token:
                del self._stages[name]

    def states(self) -> list[StageState]:
        now = self.clock()
        with self._lock:
            items = sorted(self._stages.items())
        return [
            StageState(name, s.interval_s, max(0.0, now - s.last), now - s.last > s.interval_s * self.factor)
            for name, s in items
        ]

    def stale(self) -> list[StageState]:
        return [s for s in self.states() if s.stale]


async def get_beating(queue: asyncio.Queue[T], heartbeat: Heartbeat) -> T:
    """`queue.get()` that beats every interval while the queue stays empty (idle is not dead)."""
    while True:
        heartbeat.beat()
        try:
            return await asyncio.wait_for(queue.get(), timeout=heartbeat.interval_s)
        except TimeoutError:
            continue


async def beat_event_loop(heartbeats: Heartbeats, stop: asyncio.Event, interval_s: float = 1.0) -> None:
    """The event loop's own stage: beats only when the loop gets round to it, so a blocked loop goes stale."""
    heartbeat = heartbeats.register("event_loop", interval_s)
    try:
        while not stop.is_set():
            heartbeat.beat()
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval_s)
            except TimeoutError:
                continue
    finally:
        heartbeat.close()


async def beating(awaitable: Awaitable[T], heartbeat: Heartbeat) -> T:
    """Await `awaitable`, beating every interval while it runs: for a stage whose loop lives in code
    that cannot beat itself (a driver's `run`). It proves the task is alive and the loop turns;
    a driver that ends or crashes stops the beats."""
    task = asyncio.ensure_future(awaitable)
    try:
        while True:
            heartbeat.beat()
            done, _ = await asyncio.wait({task}, timeout=heartbeat.interval_s)
            if done:
                return task.result()
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def staged(heartbeat: Heartbeat, work: Awaitable[T]) -> T:
    """Run a stage's loop: returning or being cancelled closes its heartbeat; an error leaves it to go stale."""
    with heartbeat:
        return await work
