"""Run watchd's camera analysis and the baseline over one clip; both return the alerts they raised.

watchd runs exactly as the daemon and `watchd motion` run it: `CameraLoop` over the PyAV stream,
with a configuration that has only the defaults (no zones: the whole picture is one zone; no
masks), the video's own seconds standing in for the clock. The alert time is the media time of
the picture at which the event start was emitted (what a leader gets), its end the last moving
picture. The baseline reads the same luma pictures from the same decoder.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt

from devices.registry import CameraConfig, open_video_stream
from footage.baseline import BaselineParams, baseline_alerts
from footage.scoring import Alert
from watchd.pipeline.camera_watch.classify import CameraClassifier
from watchd.pipeline.camera_watch.detector_pool import DetectorPool
from watchd.pipeline.camera_watch.loop import CameraLoop, LoopEvent

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(slots=True)
class Run:
    alerts: list[Alert] = field(default_factory=list)
    tamper: int = 0  # tamper events (a covered or moved camera): not motion alerts, reported apart


def clip_config(video: Path) -> CameraConfig:
    """The camera configuration the clip is analysed with: every setting at its default."""
    return CameraConfig(kind="camera", id=video.stem, site="bench", source=str(video))


def run_watchd(video: Path, detectors: DetectorPool | None = None) -> Run:
    """watchd with its defaults; with `detectors`, events also go through the classification stage (held until a
    class is seen or `confirm_s` passed, as the daemon does with a detector configured)."""
    run = Run()
    raised: dict[str, float] = {}

    def emit(ev: LoopEvent) -> None:
        if ev.kind == "tamper":
            run.tamper += ev.phase == "start"
            return
        if ev.kind != "motion":
            return
        if ev.phase == "start":
            raised[ev.key] = loop.media_now
        elif ev.key in raised:
            run.alerts.append(Alert(raised.pop(ev.key), ev.media_s))

    config = clip_config(video)
    classifier = CameraClassifier(config, detectors.settings, detectors) if detectors and detectors.enabled else None
    loop = CameraLoop(config, emit=emit, clock=lambda: EPOCH + timedelta(seconds=loop.media_now), media_dir=None,
                      clips=False, classifier=classifier)
    stream = open_video_stream(config, realtime=False)
    try:
        loop.run(stream, threading.Event())
    finally:
        stream.close()
    run.alerts.extend(Alert(t, loop.media_now) for t in raised.values())  # still open when the clip ended
    return run


def run_baseline(video: Path, params: BaselineParams | None = None) -> Run:
    return Run(alerts=baseline_alerts(_pictures(video), params or BaselineParams()))


def _pictures(video: Path) -> Iterator[tuple[float, npt.NDArray[np.uint8]]]:
    config = clip_config(video)
    stream = open_video_stream(config, realtime=False)
    try:
        stream.set_keyframes_only(False)
        while (frame := stream.read()) is not None:
            yield frame.pts_s, frame.luma
    finally:
        stream.close()
