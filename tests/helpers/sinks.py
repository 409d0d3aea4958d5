"""Fake sinks that keep what they are told, for the core's Protocols a test hands to a producer:
observations (`ObservationSink.report`), notices (`NoticeSink.notice`) and device events (the
supervisor's `emit`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from devices.contracts import DeviceEvent, DeviceStatus, Frame
from watchd.domain.notices import Notice
from watchd.domain.observations import Observation


class Observations:
    """ObservationSink: `seen` lists every observation reported, in order."""

    def __init__(self) -> None:
        self.seen: list[Observation] = []

    def report(self, observation: Observation) -> None:
        self.seen.append(observation)


class Notices:
    """NoticeSink: `seen` lists every notice, in order."""

    def __init__(self) -> None:
        self.seen: list[Notice] = []

    def notice(self, notice: Notice) -> None:
        self.seen.append(notice)


class Events:
    """A driver's event sink: `events` in order; refuses them all when `accept` is False; calls
    `on_event` with each; sets `stop` once `stop_after` events arrived."""

    def __init__(
        self, stop: asyncio.Event | None = None, stop_after: int = 0, *, accept: bool = True,
        on_event: Callable[[DeviceEvent], None] | None = None,
    ) -> None:
        self.events: list[DeviceEvent] = []
        self._stop, self._stop_after, self._accept, self._on_event = stop, stop_after, accept, on_event

    def emit(self, event: DeviceEvent) -> bool:
        self.events.append(event)
        if self._on_event is not None:
            self._on_event(event)
        if self._stop is not None and len(self.events) >= self._stop_after:
            self._stop.set()
        return self._accept

    def frames(self) -> list[Frame]:
        return [e for e in self.events if isinstance(e, Frame)]

    def statuses(self) -> list[DeviceStatus]:
        return [e for e in self.events if isinstance(e, DeviceStatus)]
