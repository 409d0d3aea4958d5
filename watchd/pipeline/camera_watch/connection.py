"""One watched camera's connection: its state, and when it counts as offline or online again.

A camera is offline after `offline_after_s` without a picture (before the first picture of a run,
connecting may take `open_timeout_s` more); the first picture after that brings it back. The
decision reads the monotonic clock of the watch's `Timing`, so tests drive it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from devices.contracts import VideoStream
from devices.registry import CameraConfig
from watchd.pipeline.camera_watch.loop import CameraLoop, LoopEvent

log = logging.getLogger(__name__)


@dataclass(slots=True)
class CameraState:
    config: CameraConfig
    started_mono: float  # when the watch began (monotonic): silence is counted from here until a picture
    online: bool | None = None
    reconnects: int = 0
    last_error: str = ""
    dropped_events: int = 0  # events that could not be recorded (the database refused or failed)
    offline_key: str | None = None  # the open offline event; "" when an earlier run left one open
    loop: CameraLoop | None = None
    stream_stats: dict[str, object] = field(default_factory=dict)
    stream: VideoStream | None = None  # the open connection, for its live counters
    halt: threading.Event = field(default_factory=threading.Event)

    def live_stats(self) -> dict[str, object]:
        """The open connection's counters, else the last connection's."""
        stream = self.stream
        if stream is not None:
            with contextlib.suppress(Exception):  # the worker thread may be closing it
                return dict(stream.stats())
        return dict(self.stream_stats)

    def reason(self) -> str:
        """Why pictures may be missing: what is wrong with the open stream's data, else the last error."""
        problem = self.live_stats().get("problem") if self.stream is not None else None
        return str(problem or self.last_error)


@dataclass(frozen=True, slots=True)
class OnlineChange:
    """The camera went offline or came back; `event` is what to record (None: only publish the status)."""

    online: bool
    event: LoopEvent | None


def online_change(state: CameraState, now_mono: float, now: datetime) -> OnlineChange | None:
    """Offline after `offline_after_s` without a picture; online again on the next one. Updates `state`."""
    config = state.config
    last = state.loop.counters.last_frame_mono if state.loop else None
    silent = now_mono - (last if last is not None else state.started_mono)
    # Before the first picture, connecting may take up to the open timeout.
    limit = config.offline_after_s + (config.open_timeout_s if state.online is None else 0.0)
    if silent >= limit and state.online is not False:
        state.online = False
        at = now - timedelta(seconds=silent)
        state.offline_key = f"{config.id}:camera_offline:{at.isoformat(timespec='milliseconds')}"
        reason = state.reason()
        log.warning("camera %s is offline: no picture for %.0f s (%s)", config.id, silent, reason)
        return OnlineChange(False, LoopEvent(
            camera_id=config.id, kind="camera_offline", phase="start", key=state.offline_key, media_s=0.0,
            at=at, detail=reason,
        ))
    if silent < config.offline_after_s and state.online is not True and last is not None:
        recovered = state.online is False
        state.online = True
        log.info("camera %s is %s", config.id, "back online" if recovered else "online")
        key, state.offline_key = state.offline_key, None
        if key is None:  # it was never offline: only its status is published
            return OnlineChange(True, None)
        # key "": the run before (or the node that watched this camera before) left it offline; the
        # first picture clears that incident (there is no row of ours to end).
        return OnlineChange(True, LoopEvent(
            camera_id=config.id, kind="camera_offline", phase="end", key=key, media_s=0.0, at=now,
        ))
    return None
