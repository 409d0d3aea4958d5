"""What drivers emit and how the core runs them. The only module the core needs from `devices`.

Drivers are thin adapters: they turn a vendor's protocol into these typed events. Vendor SDK
types and exceptions never leave the driver's folder.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Literal, Protocol

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckIn:
    """A terminal has already identified the person (vendor face terminals)."""

    device_id: str
    occurred_at: datetime
    subject_ref: str
    method: Literal["face", "card", "fingerprint", "pin"]
    event_id: str
    raw: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Frame:
    """A decoded camera frame (RGB, uint8, HxWx3)."""

    device_id: str
    occurred_at: datetime
    seq: int
    image: npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceStatus:
    """An online/offline transition, emitted once per transition."""

    device_id: str
    occurred_at: datetime
    state: Literal["online", "offline"]
    detail: str = ""


DeviceEvent = CheckIn | Frame | DeviceStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceInfo:
    serial: str
    model: str
    firmware: str = ""
    clock: datetime | None = None


class DeviceError(Exception):
    """Base of the errors a driver may raise to the core."""


class DeviceUnavailable(DeviceError):
    """The device cannot be reached or sent something unusable."""


class DeviceAuthError(DeviceError):
    """The device refused our credentials."""


class EventSink(Protocol):
    def emit(self, event: DeviceEvent) -> bool:
        """Hand an event to the core without blocking; False when it was dropped (queue full)."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class LumaFrame:
    """One decoded picture of a watched camera: its luma (Y) plane only, shrunk for analysis (uint8, HxW).

    No colour conversion happens on the way; `pts_s` is media time in seconds from the start of the
    stream (monotonic within one connection), `keyframe` tells whether the picture was intra-coded.
    """

    device_id: str
    pts_s: float
    keyframe: bool
    luma: npt.NDArray[np.uint8]
    source_size: tuple[int, int]  # (width, height) of the full picture


@dataclass(frozen=True, slots=True, kw_only=True)
class ClipInfo:
    """A clip cut from the stream's own packets (no re-encoding)."""

    path: str
    start_s: float  # media time of the first picture in the clip
    end_s: float
    size_bytes: int


class LiveSink(Protocol):
    """Where a camera's live picture goes: fragmented MP4 remuxed from its own packets, no decoding.

    Called from the camera's worker thread for every packet read; must not block. `wanted()` is
    asked per packet: the stream remuxes only while someone watches.
    """

    def wanted(self) -> bool: ...

    def begin(self, mime: str, init: bytes) -> None:
        """A new live session: the MSE type (`video/mp4; codecs="avc1.64001f"`) and the init segment."""
        ...

    def fragment(self, data: bytes, *, keyframe: bool) -> None:
        """One picture as a moof+mdat fragment; `keyframe` fragments start a group a viewer can join at."""
        ...

    def unavailable(self, reason: str) -> None:
        """The stream cannot be shown live (e.g. `codec:hevc`, `ended`); viewers fall back to stills."""
        ...


class VideoStream(Protocol):
    """A blocking reader of one camera stream, driven from a worker thread (camera watch).

    Errors are `DeviceUnavailable` or `DeviceAuthError`, with any password scrubbed.
    """

    @property
    def keyframes_only(self) -> bool: ...

    @property
    def keyframe_interval_s(self) -> float | None:
        """The longest of the last keyframe intervals, counting the one still open; None before the second keyframe.

        Measured on every packet read, decoded or not.
        """
        ...

    def set_keyframes_only(self, value: bool, *, replay_from_s: float | None = None) -> None:
        """Switch adaptive decoding; `replay_from_s` re-decodes buffered packets from the keyframe at or before it.

        While keyframes only, a keyframe interval longer than the stream's idle limit switches decoding
        back to every picture by itself, from the last keyframe: idling is never blind for longer.
        """
        ...

    def read(self) -> LumaFrame | None:
        """The next decoded picture; None when a file has ended."""
        ...

    def snapshot_bgr(self) -> npt.NDArray[np.uint8] | None:
        """The last decoded picture in full colour (BGR, HxWx3), converted only when asked."""
        ...

    def start_clip(self, path: str, from_s: float) -> None:
        """Write packets to `path` (+ .mp4 or .mkv) from the keyframe at or before media time `from_s` (pre-buffer)."""
        ...

    def stop_clip(self) -> ClipInfo | None: ...

    def stats(self) -> Mapping[str, object]: ...

    def close(self) -> None: ...


class Driver(Protocol):
    kind: ClassVar[str]

    async def probe(self) -> DeviceInfo: ...

    async def run(self, sink: EventSink, stop: asyncio.Event) -> None:
        """Emit events until `stop` is set; reconnect on its own; never block the loop."""
        ...

    def diagnostics(self) -> Mapping[str, object]: ...
