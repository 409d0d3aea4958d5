"""What this process has started, for /healthz and /metrics: the stage heartbeats and the running parts.

`watchd run` fills it in as it starts things; with only the API (tests, tools) the parts stay None
and their metrics are simply absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from watchd.ops.heartbeat import Heartbeats

if TYPE_CHECKING:
    from watchd.pipeline.supervisor import DeviceSupervisor


@dataclass(slots=True)
class Runtime:
    heartbeats: Heartbeats = field(default_factory=Heartbeats)
    supervisor: DeviceSupervisor | None = None  # devices this node runs (may change with leases)
    scheduler_running: bool = False
    alert_runner_running: bool = False
