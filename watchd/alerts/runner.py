"""The alert runner: an asyncio task next to the API server. Every tick, if it holds the lease, it
runs due escalation steps, resolves quiet acknowledged incidents, purges old ones, polls inbound
channels and starts delivery of due messages; a new message wakes it at once. All state is in the
database, so a restart continues where the last run stopped, and only the lease holder acts, so two
processes never send the same message."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from watchd.alerts.notifiers.base import InboundPoller, Notifier
from watchd.alerts.sender import Sender
from watchd.alerts.service import AlertService
from watchd.db.repositories.alerts import AlertsRepository
from watchd.db.repositories.runner_lease import RunnerLeaseRepository
from watchd.domain.incidents import IncidentStatus, quiet_resolve_due
from watchd.ops.heartbeat import Heartbeats

log = logging.getLogger(__name__)
POLL_TIMEOUT_S = 30.0
DRAIN_S = 5.0
LEASE = "alerts"
STEP_BATCH = 200
PURGE_EVERY = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class TickReport:
    steps: int
    quiet_resolved: int


class AlertRunner:
    def __init__(self, service: AlertService, heartbeats: Heartbeats | None = None) -> None:
        self.service = service
        self.heartbeats = heartbeats or Heartbeats()
        self.owner = uuid.uuid4().hex[:12]
        self.settings = service.settings.delivery
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._failing = False
        self._last_purge: datetime | None = None

    def wake(self) -> None:
        """Thread-safe: run now instead of at the next tick."""
        loop, event = self._loop, self._wake
        if loop is not None and event is not None:
            loop.call_soon_threadsafe(event.set)

    def _sender(self, notifiers: dict[str, Notifier]) -> Sender:
        timeouts = {c.id: c.timeout_seconds for c in self.service.settings.channels}
        return Sender(
            self.service.outbox, notifiers, timeouts, self.service.clock, self.settings.concurrency,
            on_done=self.wake,
        )

    async def run(self, stop: asyncio.Event) -> None:
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        wake = self._wake
        notifiers = self.service.build_notifiers()
        sender = self._sender(notifiers)
        self.service.set_wake(self.wake)
        log.info("alert runner started (%d channels)", len(notifiers))
        # A tick may wait POLL_TIMEOUT_S on each inbound channel; beyond three times that it is stuck.
        heartbeat = self.heartbeats.register("alerts", max(self.settings.tick_seconds, POLL_TIMEOUT_S))
        try:
            while not stop.is_set():
                heartbeat.beat()
                wake.clear()
                await self._safe_tick(sender, notifiers)
                waits = [asyncio.ensure_future(wake.wait()), asyncio.ensure_future(stop.wait())]
                await asyncio.wait(waits, timeout=self.settings.tick_seconds, return_when=asyncio.FIRST_COMPLETED)
                for w in waits:
                    w.cancel()
        finally:
            heartbeat.close()
            self.service.set_wake(None)
            await sender.drain(DRAIN_S)
            sender.close()
            self._loop = self._wake = None
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self.release_lease)
            for notifier in notifiers.values():
                with contextlib.suppress(Exception):
                    await notifier.close()
            log.info("alert runner stopped")

    async def _tick(self, sender: Sender, notifiers: dict[str, Notifier], *, wait: bool = False) -> bool:
        if not await asyncio.to_thread(self.hold_lease, self.service.clock()):
            return False
        await asyncio.to_thread(self.tick)
        await self._poll(notifiers)
        await sender.deliver_due(wait=wait)
        return True

    async def _safe_tick(self, sender: Sender, notifiers: dict[str, Notifier]) -> None:
        try:
            await self._tick(sender, notifiers)
        except Exception:
            if not self._failing:
                log.exception("alert runner tick failed; retrying every %.1f s", self.settings.tick_seconds)
            self._failing = True
            return
        if self._failing:
            log.info("alert runner recovered")
        self._failing = False

    async def _poll(self, notifiers: dict[str, Notifier]) -> None:
        for channel_id, notifier in notifiers.items():
            if not isinstance(notifier, InboundPoller):
                continue
            try:
                inbound = await asyncio.wait_for(notifier.poll(), POLL_TIMEOUT_S)
            except Exception:
                log.warning("polling channel %s failed", channel_id, exc_info=True)
                continue
            await asyncio.to_thread(self.service.handle_inbound, channel_id, inbound)

    async def run_once(self, notifiers: dict[str, Notifier] | None = None) -> bool:
        """One tick that waits for its sends (tests and tools); errors are raised. False when
        another process holds the lease. Notifiers passed in are reused and left open."""
        own = notifiers is None
        channels = self.service.build_notifiers() if notifiers is None else notifiers
        sender = self._sender(channels)
        try:
            return await self._tick(sender, channels, wait=True)
        finally:
            sender.close()
            if own:
                for notifier in channels.values():
                    await notifier.close()

    # -- the lease ---------------------------------------------------------------------------------
    def hold_lease(self, now: datetime) -> bool:
        """Renew (or take over) the runner lease; after taking it over, recover messages in flight."""
        until = now + timedelta(seconds=self.settings.lease_seconds)
        with self.service.writes.unit() as repo:
            held, taken_over = RunnerLeaseRepository(repo.session).take(LEASE, self.owner, now, until)
        if taken_over:
            log.info("this process now runs escalation and delivery (%s)", self.owner)
            self.service.outbox.recover(now)
        return held

    def release_lease(self) -> None:
        with self.service.writes.unit() as repo:
            RunnerLeaseRepository(repo.session).release(LEASE, self.owner)

    # -- the escalation tick -----------------------------------------------------------------------
    def tick(self) -> TickReport:
        """Run due escalation steps (one per incident), resolve quiet acknowledged incidents, purge."""
        service, now = self.service, self.service.clock()
        with service.db.read() as s:
            due = AlertsRepository(s).due_incident_ids(now, STEP_BATCH)
        steps = messages = 0
        for incident_id in due:
            with service.writes.unit() as repo:
                row = repo.incident(incident_id, lock=True)
                if row is not None:
                    written = service.escalator.run_due_step(repo, row, now)
                    steps, messages = steps + 1, messages + written
        expired = service.review.expire_claims()
        if expired:
            log.info("%d review claim(s) expired: unreviewed again", expired)
        quiet = self._resolve_quiet(now)
        if self._last_purge is None or now - self._last_purge >= PURGE_EVERY:
            self._last_purge = now
            with service.writes.unit() as repo:
                purged = repo.purge(
                    now - timedelta(days=service.settings.keep_days),
                    now - timedelta(days=service.settings.keep_observations_days),
                )
            if purged:
                log.info("purged %d resolved incidents older than %d days", purged, service.settings.keep_days)
        if messages:
            self.wake()
        return TickReport(steps=steps, quiet_resolved=quiet)

    def _resolve_quiet(self, now: datetime) -> int:
        service = self.service
        with service.db.read() as s:
            due = [
                row.id for row in AlertsRepository(s).acknowledged_incidents()
                if quiet_resolve_due(IncidentStatus(row.status), row.last_seen_at, service.escalator.rule(row.kind), now)
            ]
        resolved = 0
        for incident_id in due:
            with service.writes.unit() as repo:
                row = repo.incident(incident_id, lock=True)
                if row is None or not quiet_resolve_due(
                    IncidentStatus(row.status), row.last_seen_at, service.escalator.rule(row.kind), now
                ):
                    continue
                service.escalator.resolve(repo, row, "system", "quiet after acknowledgement", now)
                resolved += 1
        return resolved
