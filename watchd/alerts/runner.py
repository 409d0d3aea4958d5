"""The alert runner: an asyncio task next to the API server. Every tick, if it holds the lease, it
runs due escalation steps, polls inbound channels and delivers the outbox; a new message wakes it
at once. All state is in the database, so a restart continues where the last run stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid

from watchd.alerts.notifiers.base import InboundPoller, Notifier
from watchd.alerts.sender import Sender
from watchd.alerts.service import AlertService

log = logging.getLogger(__name__)


class AlertRunner:
    def __init__(self, service: AlertService) -> None:
        self.service = service
        self.owner = f"{uuid.uuid4().hex[:12]}"
        self.settings = service.settings.delivery
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._failing = False
        self.ticks = 0

    def wake(self) -> None:
        """Thread-safe: deliver now instead of at the next tick."""
        loop, event = self._loop, self._wake
        if loop is not None and event is not None:
            loop.call_soon_threadsafe(event.set)

    async def run(self, stop: asyncio.Event) -> None:
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        wake = self._wake
        notifiers = self.service.build_notifiers()
        sender = Sender(
            self.service.outbox, notifiers, {c.id: c.timeout_seconds for c in self.service.settings.channels},
            self.service.clock, self.settings.concurrency, renew=self._renew,
        )
        self.service.set_wake(self.wake)
        log.info("alert runner started (%d channels)", len(notifiers))
        try:
            while not stop.is_set():
                wake.clear()
                await self._tick(sender, notifiers)
                waits = [asyncio.ensure_future(wake.wait()), asyncio.ensure_future(stop.wait())]
                await asyncio.wait(waits, timeout=self.settings.tick_seconds, return_when=asyncio.FIRST_COMPLETED)
                for w in waits:
                    w.cancel()
        finally:
            self.service.set_wake(None)
            self._loop = self._wake = None
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self.service.release_lease, self.owner)
            for notifier in notifiers.values():
                with contextlib.suppress(Exception):
                    await notifier.close()
            log.info("alert runner stopped")

    def _renew(self) -> bool:
        return self.service.hold_lease(self.owner, self.service.clock())

    async def _tick_once(self, sender: Sender, notifiers: dict[str, Notifier]) -> bool:
        if not await asyncio.to_thread(self._renew):
            return False
        await asyncio.to_thread(self.service.tick)
        await self._poll(notifiers)
        await sender.deliver_due()
        self.ticks += 1
        return True

    async def _tick(self, sender: Sender, notifiers: dict[str, Notifier]) -> None:
        try:
            await self._tick_once(sender, notifiers)
            if self._failing:
                log.info("alert runner recovered")
            self._failing = False
        except Exception:
            if not self._failing:
                log.exception("alert runner tick failed; retrying every %.0f s", self.settings.tick_seconds)
            self._failing = True

    async def _poll(self, notifiers: dict[str, Notifier]) -> None:
        for channel_id, notifier in notifiers.items():
            if not isinstance(notifier, InboundPoller):
                continue
            try:
                inbound = await notifier.poll()
            except Exception:
                log.warning("polling channel %s failed", channel_id, exc_info=True)
                continue
            await asyncio.to_thread(self.service.handle_inbound, channel_id, inbound)

    async def run_once(self) -> bool:
        """One tick, errors raised (tests and tools); False when another process holds the lease."""
        notifiers = self.service.build_notifiers()
        sender = Sender(
            self.service.outbox, notifiers, {c.id: c.timeout_seconds for c in self.service.settings.channels},
            self.service.clock, self.settings.concurrency, renew=self._renew,
        )
        try:
            return await self._tick_once(sender, notifiers)
        finally:
            for notifier in notifiers.values():
                await notifier.close()
