"""What this process runs, for /healthz, /metrics, the camera page and the duty screen.

Built once, complete, by the composition root (watchd/app.py) and never changed afterwards: the
stage heartbeats, the devices this node runs (None when only the API runs: tests, tools; their
metrics are then simply absent) and whether the scheduler and the alert runner run here.
The devices are seen through `RunningDevices`, so ops never imports the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from watchd.domain.live import LiveFeed, LiveView
from watchd.ops.heartbeat import Heartbeats


@dataclass(frozen=True, slots=True)
class DeviceCounts:
    """A device with a driver on this node: its state and its queues."""

    device_id: str
    online: bool | None  # None: not known yet
    analysed_frames: int
    dropped_frames: int
    dropped_events: int
    queued_frames: int
    queued_events: int


@dataclass(frozen=True, slots=True)
class CameraCounts:
    """A protected-site camera this node watches."""

    camera_id: str
    online: bool | None
    decoded: int
    analysed: int
    dropped_events: int


class Decoding(Protocol):
    """What the camera page and the duty screen show about a camera's decoding."""

    @property
    def keyframe_interval_s(self) -> float | None: ...
    @property
    def idle(self) -> bool: ...
    @property
    def warning(self) -> str | None: ...


class DetectorStatus(Protocol):
    """What the camera page and the duty screen show about the object detector (docs/detectors.md)."""

    @property
    def detector(self) -> str | None: ...
    @property
    def state(self) -> str: ...
    @property
    def warning(self) -> str | None: ...


class RunningDevices(Protocol):
    """The device supervisor as the rest of the process sees it (watchd.pipeline.supervisor)."""

    def device_counts(self) -> list[DeviceCounts]: ...
    def camera_counts(self) -> list[CameraCounts]: ...
    def decoding(self, camera_id: str) -> Decoding | None: ...
    def camera_codec(self, camera_id: str) -> str | None: ...
    def live_view(self, camera_id: str) -> LiveView: ...
    def live_feed(self, camera_id: str) -> LiveFeed | None: ...
    def detector_view(self) -> DetectorStatus: ...


@dataclass(frozen=True, slots=True)
class Runtime:
    heartbeats: Heartbeats = field(default_factory=Heartbeats)
    devices: RunningDevices | None = None  # devices this node runs (may change with leases)
    scheduler_running: bool = False
    alert_runner_running: bool = False
