"""Fake face terminal: emits a scripted list of check-ins, then idles until stopped.

It is a real driver registered like the others, clearly named fake, for tests of the ingest path
and demos. Each check-in's `event_id` is derived from the device id, the subject and the instant
(normalised to UTC), so replaying the same script yields the same ids and ingest stays idempotent.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import ClassVar

from devices.backoff import sleep_unless
from devices.contracts import CheckIn, DeviceInfo, DeviceStatus, EventSink
from devices.fake.config import FakeCheckInEntry, FakeTerminalConfig

_LOGGER = logging.getLogger(__name__)
# Fixed namespace so event ids are stable across runs, machines and versions.
_EVENT_NAMESPACE = uuid.UUID("6f0d3a52-3c1e-4f57-9a55-0e7d2b6f1c11")


def fake_event_id(device_id: str, subject_ref: str, at: datetime) -> str:
    """Deterministic id of a check-in: the same device, subject and instant give the same id."""
    if at.tzinfo is None:
        raise ValueError("check-in time must be timezone-aware")
    instant = at.astimezone(UTC).isoformat()
    return str(uuid.uuid5(_EVENT_NAMESPACE, f"{device_id}\x1f{subject_ref}\x1f{instant}"))


class FakeTerminalDriver:
    """Emits `DeviceStatus` online, then each scripted `CheckIn`, then waits for `stop`."""

    kind: ClassVar[str] = "fake_terminal"

    def __init__(self, config: FakeTerminalConfig) -> None:
        self._config = config
        self._state = "idle"
        self._emitted = 0
        self._dropped = 0
        self._position = 0

    async def probe(self) -> DeviceInfo:
        return DeviceInfo(
            serial=f"fake-{self._config.id}", model="fake terminal", firmware="fake", clock=datetime.now(UTC)
        )

    async def run(self, sink: EventSink, stop: asyncio.Event) -> None:
        self._state = "online"
        self._position = 0
        _LOGGER.info(
            "Fake terminal %s is online with %d scripted check-ins", self._config.id, len(self._config.script)
        )
        self._emit(
            sink, DeviceStatus(device_id=self._config.id, occurred_at=datetime.now(UTC), state="online")
        )
        try:
            for index, entry in enumerate(self._config.script):
                if stop.is_set() or (index and await sleep_unless(stop, self._config.interval_s)):
                    return
                await asyncio.sleep(0)  # let the loop breathe even with interval 0
                self._emit(sink, self._check_in(index, entry))
                self._position = index + 1
            await stop.wait()
        finally:
            self._state = "stopped"

    def diagnostics(self) -> Mapping[str, object]:
        return {
            "kind": self.kind,
            "device_id": self._config.id,
            "mode": "scripted",
            "state": self._state,
            "script_length": len(self._config.script),
            "script_position": self._position,
            "events_emitted": self._emitted,
            "events_dropped": self._dropped,
        }

    def _check_in(self, index: int, entry: FakeCheckInEntry) -> CheckIn:
        return CheckIn(
            device_id=self._config.id,
            occurred_at=entry.at,
            subject_ref=entry.subject_ref,
            method=entry.method,
            event_id=fake_event_id(self._config.id, entry.subject_ref, entry.at),
            raw={"source": "fake_terminal", "script_index": str(index)},
        )

    def _emit(self, sink: EventSink, event: CheckIn | DeviceStatus) -> None:
        if sink.emit(event):
            self._emitted += 1
        else:
            self._dropped += 1
            _LOGGER.debug("Fake terminal %s: sink dropped %s", self._config.id, type(event).__name__)

