"""Replay: the daemon's per-camera loop over a file or stream URL as fast as it decodes (`watchd motion`).

Media time stands in for the clock, so events carry the video's own seconds; nothing is stored
or sent. The benchmark (bench/motion.py) and the footage scoring run the same loop.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt

from devices.contracts import ClipInfo, DeviceError, LumaFrame, VideoStream
from devices.registry import CameraConfig, open_video_stream
from watchd.pipeline.camera_watch.classify import CameraClassifier
from watchd.pipeline.camera_watch.detector_pool import DetectorPool
from watchd.pipeline.camera_watch.loop import CameraLoop, LoopEvent


@dataclass(slots=True)
class VideoReport:
    events: list[dict[str, object]] = field(default_factory=list)
    frames: int = 0
    decoded: int = 0
    analysed: int = 0
    cpu_s: float = 0.0
    error: str | None = None
    keyframe_interval_s: float | None = None  # the longest measured
    warning: str | None = None  # keyframe-only idling was turned off, and why


def analyse_video(
    config: CameraConfig, *, out_dir: Path | None, clips: bool = False, until_s: float | None = None,
    on_event: Callable[[dict[str, object]], None] | None = None, detectors: DetectorPool | None = None,
) -> VideoReport:
    """Run the daemon's per-camera analysis over a file or stream URL as fast as it decodes.

    Each motion or tamper event is reported once it has ended, as {"start", "end", "zones",
    "snapshot", ...} with times in seconds of the video.
    """
    report = VideoReport()
    open_starts: dict[str, LoopEvent] = {}
    cpu0 = time.process_time()

    def emit(ev: LoopEvent) -> None:
        if ev.phase == "start":
            open_starts[ev.key] = ev
            return
        start = open_starts.pop(ev.key, None)
        line: dict[str, object] = {
            "kind": ev.kind, "start": round(start.media_s if start else ev.media_s, 2), "end": round(ev.media_s, 2),
            "zones": list(ev.zones) or (list(start.zones) if start else []),
            "snapshot": str(ev.snapshot) if ev.snapshot else None,
        }
        if start is not None and start.object_class:
            line["class"] = start.object_class
            line["classes"] = {c.cls: c.score for c in ev.classes}
        if ev.kind == "motion":
            line["box"] = [round(v, 3) for v in start.box] if start and start.box else None
            line["boxes"] = [[round(v, 3) for v in b] for b in start.boxes] if start else []
            line["peak_area"] = round(ev.peak_area, 4)
            if ev.clip is not None:
                line["clip"] = ev.clip.path
        else:
            line["reason"] = ev.reason
        report.events.append(line)
        if on_event is not None:
            on_event(line)

    # Media time stands in for the clock: the video's own seconds.
    loop_now = [0.0]
    classifier = (
        CameraClassifier(config, detectors.settings, detectors) if detectors is not None and detectors.enabled else None
    )
    loop = CameraLoop(config, emit=emit, clock=_epoch_clock(lambda: loop.media_now), media_dir=out_dir, clips=clips,
                      classifier=classifier)
    halt = threading.Event()
    stream = open_video_stream(config, realtime=False, halt=halt)
    try:
        loop.run(_Until(stream, until_s, loop_now), halt)
    except DeviceError as exc:
        report.error = str(exc)
    finally:
        # Events still open when the video ended (or broke) are reported too.
        for ev in list(open_starts.values()):
            emit(LoopEvent(camera_id=ev.camera_id, kind=ev.kind, phase="end", key=ev.key, media_s=loop_now[0],
                           at=ev.at, zones=ev.zones, reason=ev.reason, snapshot=ev.snapshot))
        stats = stream.stats()
        stream.close()
    report.frames = int(str(stats.get("packets", 0)))
    report.decoded = int(str(stats.get("decoded", 0)))
    report.analysed = loop.counters.analysed
    report.cpu_s = round(time.process_time() - cpu0, 3)
    interval = stats.get("keyframe_interval_s")
    report.keyframe_interval_s = float(interval) if isinstance(interval, int | float) else None
    if loop.keyframes.too_long:
        loop.keyframes.update(report.keyframe_interval_s)  # the longest seen, for the message
        report.warning = loop.keyframes.warning_en()
    return report


def _epoch_clock(media: Callable[[], float]) -> Callable[[], datetime]:
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    return lambda: epoch + timedelta(seconds=media())


class _Until:
    """A stream wrapper that stops at `until_s` and tracks the media time (for the command line)."""

    def __init__(self, stream: VideoStream, until_s: float | None, now: list[float]) -> None:
        self._stream = stream
        self._until = until_s
        self._now = now

    @property
    def keyframes_only(self) -> bool:
        return self._stream.keyframes_only

    @property
    def keyframe_interval_s(self) -> float | None:
        return self._stream.keyframe_interval_s

    def set_keyframes_only(self, value: bool, *, replay_from_s: float | None = None) -> None:
        self._stream.set_keyframes_only(value, replay_from_s=replay_from_s)

    def read(self) -> LumaFrame | None:
        frame = self._stream.read()
        if frame is None or (self._until is not None and frame.pts_s > self._until):
            return None
        self._now[0] = max(self._now[0], frame.pts_s)
        return frame

    def snapshot_bgr(self) -> npt.NDArray[np.uint8] | None:
        return self._stream.snapshot_bgr()

    def start_clip(self, path: str, from_s: float) -> None:
        self._stream.start_clip(path, from_s)

    def stop_clip(self) -> ClipInfo | None:
        return self._stream.stop_clip()

    def stats(self) -> dict[str, object]:
        return dict(self._stream.stats())

    def close(self) -> None:
        self._stream.close()


def iter_lines(report: VideoReport) -> Iterator[str]:
    for line in report.events:
        yield json.dumps(line, ensure_ascii=False)
