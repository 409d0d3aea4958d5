"""Shared set-up for the alert tests: leaders on call, a protected site, channels pointing at a fake
webhook receiver on loopback, and a runner the test ticks by hand (the clock is the test's)."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from tests.conftest import BASE_CONFIG
from tests.helpers.clocks import FakeClock
from watchd.alerts.notifiers.base import Notifier
from watchd.alerts.runner import AlertRunner
from watchd.app import Services
from watchd.domain.observations import Observation, ObservationKind, Severity

LEADER, PRINCIPAL = "13800000003", "13800000004"
PEOPLE = [
    *BASE_CONFIG["people"],
    {"id": "l001", "name": "乌云", "role": "leader", "phone": LEADER},
    {"id": "p001", "name": "巴雅尔", "role": "principal_leader", "phone": "+8613800000004"},
]
SITES = [*BASE_CONFIG["sites"], {"id": "shakeng", "name": "3号沙坑", "kind": "protected_site"}]
GENEROUS = {"windows": [{"minutes": 1, "max": 1000}]}


def alert_config(receiver_url: str | None, **alerts: Any) -> dict[str, Any]:
    """Overrides for `make_services`: people, sites and an `[alerts]` section."""
    channels: list[dict[str, Any]] = []
    if receiver_url is not None:
        channels.append({
            "id": "hook", "kind": "webhook", "url": receiver_url + "/send", "status_url": receiver_url + "/status",
            "timeout_seconds": 2, "failover_after_seconds": 60,
        })
    section: dict[str, Any] = {
        "on_call": [{"leader": "l001", "principal": "p001"}],
        "channels": channels or [{"id": "console", "kind": "console"}],
        "escalation": {"wait_minutes": 5, "rounds": 2},
        "throttle": GENEROUS,
        "public_url": "https://watch.example.cn",
        **alerts,
    }
    return {"people": PEOPLE, "sites": SITES, "alerts": section}


def motion(clock: FakeClock, camera: str = "cam3", *, at: datetime | None = None, **kw: Any) -> Observation:
    return Observation(
        kind=ObservationKind.motion, site_id="shakeng", subject=camera, occurred_at=at or clock(),
        summary=kw.pop("summary", "发现移动目标"), **kw,
    )


def offline(clock: FakeClock, device: str = "kiosk-bayan", *, active: bool = True) -> Observation:
    return Observation(kind=ObservationKind.device_offline, site_id="bayan", subject=device,
                       occurred_at=clock(), active=active)


def tamper(clock: FakeClock, camera: str = "cam3") -> Observation:
    return Observation(kind=ObservationKind.tamper, site_id="shakeng", subject=camera, occurred_at=clock(),
                       severity=Severity.major)


class Ticker:
    """The alert runner, ticked by the test: one escalation + delivery pass per `tick()`, on one
    event loop with the same channels throughout (as in the daemon)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.runner = AlertRunner(services.alerts)
        self.loop = asyncio.new_event_loop()
        self.notifiers = services.alerts.build_notifiers()
        weakref.finalize(self, _close, self.loop, list(self.notifiers.values()))

    def tick(self) -> bool:
        return self.loop.run_until_complete(self.runner.run_once(self.notifiers))

    def run_for(self, clock: FakeClock, minutes: float, step_s: float = 30) -> None:
        """Tick every `step_s` of fake time for `minutes`."""
        end = clock() + timedelta(minutes=minutes)
        while clock() < end:
            self.tick()
            clock.advance(seconds=step_s)
        self.tick()


def _close(loop: asyncio.AbstractEventLoop, notifiers: list[Notifier]) -> None:
    for notifier in notifiers:
        loop.run_until_complete(notifier.close())
    loop.close()


def recipients(services: Services, incident_id: int) -> list[tuple[str, str]]:
    """(recipient name, status) of every message about the incident, in order."""
    return [(n.recipient_name, n.status) for n in services.alerts.get(incident_id).notifications]


MakeServices = Callable[..., Services]
