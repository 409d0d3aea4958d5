"""Real footage as luma pictures, and a fake `VideoStream` that plays them (tests only)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import numpy.typing as npt

from devices.contracts import ClipInfo, LumaFrame
from devices.registry import CameraConfig
from tests.datasets import require_shared_data
from watchd.pipeline.camera_watch.loop import CameraLoop, LoopEvent

Luma = npt.NDArray[np.uint8]
LEFT_ZONE = [[0, 0.25], [0.25, 0.25], [0.25, 0.6], [0, 0.6]]  # people enter it at 18.4 s and 53 s
LAWN_ZONE = [[0, 0.62], [0.55, 0.62], [0.55, 1], [0, 1]]  # nobody walks there before 52 s


@cache
def _decode(path: str, width: int) -> tuple[tuple[float, bool, Luma], ...]:
    out = []
    with av.open(path) as c:
        stream = c.streams.video[0]
        for i, frame in enumerate(c.decode(stream)):
            y = frame.to_ndarray(format="gray")
            h, w = y.shape
            small = cv2.resize(y, (width, round(h * width / w)), interpolation=cv2.INTER_AREA)
            t = float(frame.pts * frame.time_base) if frame.pts is not None else i / 10
            out.append((t, i % 20 == 0, np.asarray(small, dtype=np.uint8)))
    return tuple(out)


def footage(name: str, width: int = 384) -> list[tuple[float, bool, Luma]]:
    """Pictures of a real clip: (seconds, keyframe every 20th, luma)."""
    return list(_decode(str(require_shared_data("video", name)), width))


class FakeVideoStream:
    """Plays prepared luma pictures like a camera: keyframes only while idle, replay on request."""

    def __init__(self, pictures: Sequence[tuple[float, bool, Luma]], device_id: str = "cam") -> None:
        self.pictures = list(pictures)
        self.device_id = device_id
        self.pos = 0
        self._keyframes_only = False
        self.decoded = 0
        self.last: Luma | None = None
        self.clips: list[tuple[str, float]] = []
        self._last_key: float | None = None
        self._intervals: list[float] = []

    @property
    def keyframes_only(self) -> bool:
        return self._keyframes_only

    @property
    def keyframe_interval_s(self) -> float | None:
        """As the real stream measures it: over every picture sent, decoded or not."""
        return max(self._intervals[-8:]) if self._intervals else None

    def set_keyframes_only(self, value: bool, *, replay_from_s: float | None = None) -> None:
        self._keyframes_only = value
        if not value and replay_from_s is not None:
            while self.pos > 0 and not (self.pictures[self.pos - 1][1] and self.pictures[self.pos - 1][0] <= replay_from_s):
                self.pos -= 1
            self.pos = max(0, self.pos - 1)

    def read(self) -> LumaFrame | None:
        while self.pos < len(self.pictures):
            t, key, luma = self.pictures[self.pos]
            self.pos += 1
            if key and (self._last_key is None or t > self._last_key):
                if self._last_key is not None:
                    self._intervals.append(t - self._last_key)
                self._last_key = t
            if self._keyframes_only and not key:
                continue
            self.decoded += 1
            self.last = luma
            return LumaFrame(device_id=self.device_id, pts_s=t, keyframe=key, luma=luma, source_size=luma.shape[::-1])
        return None

    def snapshot_bgr(self) -> Luma | None:
        return None if self.last is None else np.asarray(cv2.cvtColor(self.last, cv2.COLOR_GRAY2BGR), np.uint8)

    def start_clip(self, path: str, from_s: float) -> None:
        self.clips.append((path, from_s))

    def stop_clip(self) -> ClipInfo | None:
        return None

    def stats(self) -> dict[str, object]:
        return {"decoded": self.decoded}

    def close(self) -> None:
        pass


def camera(**overrides: Any) -> CameraConfig:
    data: dict[str, Any] = {"kind": "camera", "id": "cam", "site": "pit", "source": "rtsp://127.0.0.1/x"}
    return CameraConfig.model_validate({**data, **overrides})


def play(
    pictures: Sequence[tuple[float, bool, Luma]], config: CameraConfig, media_dir: Path | None = None,
    transform: Callable[[float, Luma], Luma] | None = None,
) -> tuple[list[LoopEvent], FakeVideoStream]:
    """Run the daemon's per-camera loop over the pictures; the events it emits."""
    if transform is not None:
        pictures = [(t, k, transform(t, y)) for t, k, y in pictures]
    events: list[LoopEvent] = []
    loop = CameraLoop(config, emit=events.append, clock=lambda: datetime(2026, 11, 23, tzinfo=UTC), media_dir=media_dir)
    stream = FakeVideoStream(pictures)
    loop.run(stream, threading.Event())
    return events, stream


def starts(events: Sequence[LoopEvent], kind: str = "motion") -> list[LoopEvent]:
    return [e for e in events if e.kind == kind and e.phase == "start"]
