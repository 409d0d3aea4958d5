"""`watchd run` apart from HTTP: starts and stops what the composition root built.

Start: the configuration audit, the device supervisor (devices come by lease), the lease keeper and
the gallery follower, the scheduler, the alert runner, the event-loop heartbeat and the systemd
watchdog. Stop: the same in reverse, after systemd has been told. api/server.py serves HTTP
around it and says READY once the server listens.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from watchd.alerts.runner import AlertRunner
from watchd.cluster import LeaseKeeper, follow_gallery, node_name
from watchd.container import Services
from watchd.ops.heartbeat import beat_event_loop
from watchd.ops.watchdog import SystemdWatchdog, start_watchdog
from watchd.pipeline.supervisor import DeviceSupervisor
from watchd.scheduling import AttendanceScheduler
from watchd.services.config_audit import audit_config
from watchd.services.spot_checks import TICK_SECONDS, SpotCheckService
from watchd.systemd import Notifier

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Daemon:
    services: Services
    supervisor: DeviceSupervisor
    keeper: LeaseKeeper
    scheduler: AttendanceScheduler | None
    alert_runner: AlertRunner
    systemd: Notifier = field(default_factory=Notifier)
    _leases_stop: asyncio.Event | None = None  # the lease keeper and the gallery follower
    _alerts_stop: asyncio.Event | None = None  # the alert runner and the event-loop beat: they stop last
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _watchdog: SystemdWatchdog | None = None

    async def start(self) -> None:
        """Call on the event loop that will run the daemon."""
        services = self.services
        await asyncio.to_thread(
            audit_config,
            services.db,
            services.config,
            services.clock,
            node_name(services.config.settings.cluster),
        )
        leases_stop = self._leases_stop = asyncio.Event()
        alerts_stop = self._alerts_stop = asyncio.Event()
        self.supervisor.start()
        # Devices are leased to this node: all of them when it is alone, a fair share among several.
        await self.keeper.tick()
        self._spawn(self.keeper.run(leases_stop), "leases")
        self._spawn(follow_gallery(services.people, leases_stop), "gallery")
        if self.scheduler is not None:
            self.scheduler.start()
        self._spawn(self.alert_runner.run(alerts_stop), "alerts")
        self._spawn(beat_event_loop(services.runtime.heartbeats, alerts_stop), "event-loop")
        self._spawn(run_spot_checks(services.spot_checks, alerts_stop), "spot-checks")
        self._watchdog = start_watchdog(self.systemd, services.runtime.heartbeats)

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        self._tasks.append(asyncio.create_task(work, name=name))

    def ready(self, port: int) -> None:
        """The HTTP server listens: tell systemd (Type=notify)."""
        self.systemd.ready(
            f"serving on port {port}, node {self.keeper.me.name}, {len(self.keeper.running)} devices"
        )

    async def stop(self) -> None:
        self.systemd.stopping()
        if self._watchdog is not None:
            self._watchdog.stop()
        if self._leases_stop is None or self._alerts_stop is None:
            return  # never started
        self._leases_stop.set()  # the lease keeper hands its devices back, the gallery follower ends
        leases, gallery, alerts, loop, spot_checks = self._tasks
        await leases
        await gallery
        await self.supervisor.stop()
        if self.scheduler is not None:
            await self.scheduler.stop()
        self._alerts_stop.set()
        await alerts
        await loop
        await spot_checks

    def close(self) -> None:
        self.services.close()


async def run_spot_checks(spot_checks: SpotCheckService, stop: asyncio.Event) -> None:
    """Every few seconds: draw new shifts' checks, issue the due ones, settle the missed ones. Several
    processes may run it: each change is a compare-and-set in the database."""
    while not stop.is_set():
        try:
            await asyncio.to_thread(spot_checks.tick)
        except Exception:  # a database blip must not end the spot checks for good
            log.exception("spot checks: tick failed; trying again")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=TICK_SECONDS)
