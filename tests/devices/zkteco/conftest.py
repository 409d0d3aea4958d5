"""A fake ZKTeco terminal on loopback (TCP and UDP) and a sink that records what a driver stores."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

import pytest

from devices.contracts import CheckIn, DeviceEvent, DeviceInfo, DeviceStatus
from tests.fakes.zkteco_device import ZONE, FakeZKDevice

BASE = datetime(2026, 11, 23, 8, 0, tzinfo=ZONE)  # the device keeps only the wall clock


@pytest.fixture
def device() -> Iterator[FakeZKDevice]:
    dev = FakeZKDevice()
    dev.add_user("1001", "其其格")
    dev.add_user("1002", "巴特尔")
    with dev:
        yield dev


class RecordingSink:
    """A PunchSink like the core's: stores batches with their position, records statuses."""

    def __init__(self, position: str | None = None, stop: asyncio.Event | None = None, stop_after: int = 0) -> None:
        self.position = position
        self.punches: list[CheckIn] = []
        self.batches: list[tuple[int, str | None]] = []
        self.synced: list[datetime] = []
        self.statuses: list[DeviceStatus] = []
        self.seen: list[tuple[DeviceInfo, float | None]] = []
        self._stop, self._stop_after = stop, stop_after

    def emit(self, event: DeviceEvent) -> bool:
        if isinstance(event, DeviceStatus):
            self.statuses.append(event)
        return True

    async def stored_position(self) -> str | None:
        return self.position

    async def store_punches(
        self, punches: Sequence[CheckIn], *, position: str | None = None, synced_at: datetime | None = None
    ) -> None:
        if synced_at is not None:
            self.synced.append(synced_at)
        self.punches += punches
        self.batches.append((len(punches), position))
        if position is not None:
            self.position = position
        if self._stop is not None and self._stop_after and len(self.punches) >= self._stop_after:
            self._stop.set()

    async def device_seen(self, info: DeviceInfo, *, skew_s: float | None) -> None:
        self.seen.append((info, skew_s))

    @property
    def keys(self) -> list[str]:
        return [p.event_id for p in self.punches]


async def eventually(condition: Callable[[], bool], limit: float = 5.0) -> None:
    """Wait (on the loop) until `condition()` holds; fail after `limit` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    for _ in range(100_000):
        if condition():
            return
        assert loop.time() < deadline, "condition never held"
        await asyncio.sleep(0.02)
