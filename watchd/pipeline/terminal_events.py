"""What the device supervisor does with terminal events.

Terminal drivers run with a `TerminalSink`: `emit` goes to the supervisor's bounded queues, while
`store_punches` writes straight to storage and returns only once the batch and the driver's new
position are committed (in a worker thread, so the loop never blocks). A pull driver therefore
never moves past a punch that is not stored, and the device itself is the buffer while storage
is slow. `TerminalSink` satisfies `devices.terminal.PunchSink` structurally.

`TerminalRouter` handles what arrives through the queues: punches from drivers that only `emit`
(the fake terminal), and online/offline reports, which are persisted and, once per transition,
reported as a `device_offline` observation to the `observations` sink when one is attached.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime

from devices.backoff import sleep_unless
from devices.contracts import CheckIn, DeviceEvent, DeviceInfo, DeviceStatus, EventSink
from watchd.domain.observations import Observation, ObservationKind, ObservationSink
from watchd.services.punches import PunchService, StatusChange

log = logging.getLogger(__name__)


class TerminalSink:
    def __init__(self, device_id: str, events: EventSink, punches: PunchService) -> None:
        self.device_id = device_id
        self._events = events
        self._punches = punches

    def emit(self, event: DeviceEvent) -> bool:
        return self._events.emit(event)

    async def stored_position(self) -> str | None:
        return await asyncio.to_thread(self._punches.position, self.device_id)

    async def store_punches(
        self, punches: Sequence[CheckIn], *, position: str | None = None, synced_at: datetime | None = None
    ) -> None:
        await asyncio.to_thread(
            self._punches.ingest, self.device_id, list(punches), position=position, synced_at=synced_at
        )

    async def device_seen(self, info: DeviceInfo, *, skew_s: float | None) -> None:
        await asyncio.to_thread(self._punches.device_seen, self.device_id, info, skew_s=skew_s)


class TerminalRouter:
    def __init__(self, punches: PunchService, observations: ObservationSink | None = None) -> None:
        self.punches = punches
        self.observations = observations

    def sink(self, device_id: str, events: EventSink) -> TerminalSink:
        return TerminalSink(device_id, events, self.punches)

    async def checkins(self, device_id: str, events: Sequence[CheckIn]) -> None:
        """Punches a driver emitted (rather than stored itself)."""
        try:
            await asyncio.to_thread(self.punches.ingest, device_id, list(events))
        except Exception:
            log.exception("device %s: %d punches not stored", device_id, len(events))

    async def status(self, event: DeviceStatus) -> None:
        try:
            change = await asyncio.to_thread(
                self.punches.device_status, event.device_id, online=event.state == "online",
                at=event.occurred_at, detail=event.detail,
            )
        except Exception:
            log.exception("device %s: status %s not recorded", event.device_id, event.state)
            return
        if change is not None:
            await self.observe(change)

    async def watch_presence(self, stop: asyncio.Event, interval_s: float) -> None:
        """Push devices (ADMS) that fall silent go offline; one that calls again comes back online."""
        while not stop.is_set():
            try:
                for change in await asyncio.to_thread(self.punches.sweep_presence):
                    await self.observe(change)
            except Exception:
                log.exception("presence check failed")
            await sleep_unless(stop, interval_s)

    async def finish_pending(self) -> None:
        """Count the punches a crash left between storage and check-in."""
        try:
            done = await asyncio.to_thread(self.punches.process_pending)
        except Exception:
            log.exception("pending punches not processed")
            return
        if done:
            log.info("counted %d punches left pending by the previous run", done)

    async def observe(self, change: StatusChange) -> None:
        sink = self.observations
        if sink is None or not change.recovery_or_failure:
            return
        observation = Observation(
            kind=ObservationKind.device_offline, site_id=change.site_id, subject=change.device_id,
            occurred_at=change.at, active=not change.online,
            summary=f"设备 {change.device_id} {'恢复在线' if change.online else '离线'}",
            details={"detail": change.detail} if change.detail else {},
        )
        try:
            await asyncio.to_thread(sink.report, observation)
        except Exception:
            log.exception("device %s: observation not reported", change.device_id)
