"""Classification figures on one core (JSON): detector CPU ms per call, and cameras per core in full
analysis at 640x360 with classification on (only regions that moved go to the detector).

    taskset -c 0 .venv/bin/python bench/classify.py [VIDEO_DIR]

Builds 640x360 H.264 substreams of vtest (GOP 1 s and 2 s) with ffmpeg in a temporary folder, then runs
the daemon's per-camera loop (replay.py) over them with the detector off and on: full analysis (people
walk through the whole clip) and idle (a quiet camera: one vtest picture held for 5 minutes with
sensor noise at 512 kbit/s, adaptive decoding as the daemon's default). Motion-only figures
(decode cost) are in bench/motion.py. CPU time, not wall time: the machine may be shared.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from devices.registry import CameraConfig
from watchd.pipeline.camera_watch.detector_pool import DetectorPool
from watchd.pipeline.camera_watch.replay import analyse_video
from watchd.settings.cameras import ClassifySettings
from watchd.vision.detectors.base import DetectorError
from watchd.vision.detectors.registry import create_detector

VIDEO_DIR = (
    Path(sys.argv[1])
    if len(sys.argv) > 1
    else Path(__file__).resolve().parents[2] / "shared" / "data" / "video"
)
LEFT_ZONE = [[0, 0.25], [0.25, 0.25], [0.25, 0.6], [0, 0.6]]
QUIET_S = 300


def per_call_ms(name: str, shape: tuple[int, int], calls: int = 30) -> float | None:
    """Median CPU milliseconds of one detect() call on a picture of this (height, width)."""
    try:
        detector = create_detector(name, threshold=0.4)
    except DetectorError:
        return None
    rng = np.random.default_rng(1)
    picture = rng.integers(0, 255, (*shape, 3), dtype=np.uint8)
    detector.detect(picture)
    times = []
    for _ in range(calls):
        c = time.thread_time()
        detector.detect(picture)
        times.append(time.thread_time() - c)
    return round(float(np.median(times)) * 1000, 2)


def substream(src: Path, gop_s: int, folder: Path) -> Path:
    out = folder / f"vtest_640x360_gop{gop_s}s.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-i",
            str(src),
            "-vf",
            "crop=768:432:0:72,scale=640:360",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-g",
            str(10 * gop_s),
            "-keyint_min",
            str(10 * gop_s),
            "-sc_threshold",
            "0",
            "-pix_fmt",
            "yuv420p",
            str(out),
        ],
        check=True,
        timeout=300,
    )
    return out


def quiet_substream(src: Path, gop_s: int, folder: Path) -> Path:
    """A camera where nothing moves: one picture of vtest with temporal sensor noise, 10 fps, capped at 512 kbit/s
    as camera substreams are; five minutes, so the start (decoding everything until the keyframe interval is
    measured) weighs as little as it does on a camera that runs for days."""
    out = folder / f"quiet_640x360_gop{gop_s}s.mp4"
    subprocess.run(
        ["ffmpeg", "-y", "-v", "error", "-i", str(src), "-frames:v", "1", "-vf", "crop=768:432:0:72,scale=640:360",
         str(folder / "still.png")],
        check=True, timeout=60,
    )
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-loop", "1", "-framerate", "10", "-i", str(folder / "still.png"), "-t",
         str(QUIET_S), "-vf", "noise=alls=4:allf=t", "-c:v", "libx264", "-preset", "veryfast", "-b:v", "512k",
         "-maxrate", "512k", "-bufsize", "512k", "-g", str(10 * gop_s), "-keyint_min", str(10 * gop_s),
         "-sc_threshold", "0", "-pix_fmt", "yuv420p", str(out)],
        check=True, timeout=300,
    )
    return out


def idle_analysis(path: Path, detector: str) -> dict[str, object]:
    config = CameraConfig(kind="camera", id="b", site="b", source=str(path), zones=[{"name": "z", "points": LEFT_ZONE}])
    pool = DetectorPool(ClassifySettings(detector=detector))
    report = analyse_video(config, out_dir=None, detectors=pool)
    media_s = float(QUIET_S)
    return {
        "cpu_s": report.cpu_s,
        "analysed": report.analysed,
        "events": len(report.events),
        "detector_calls": pool.view().calls,
        "cameras_per_core_idle": round(media_s / report.cpu_s, 1) if report.cpu_s else None,
    }


def full_analysis(path: Path, detector: str) -> dict[str, object]:
    config = CameraConfig(
        kind="camera",
        id="b",
        site="b",
        source=str(path),
        adaptive=False,
        zones=[{"name": "z", "points": LEFT_ZONE}],
    )
    pool = DetectorPool(ClassifySettings(detector=detector))
    report = analyse_video(config, out_dir=None, detectors=pool)
    media_s = 79.5  # vtest: 795 pictures at 10 per second
    view = pool.view()
    return {
        "cpu_s": report.cpu_s,
        "analysed": report.analysed,
        "events": len(report.events),
        "classes": [e.get("class") for e in report.events],
        "detector_calls": view.calls,
        "detector_ms_per_call": view.ms_per_call,
        "cameras_per_core_full": round(media_s / report.cpu_s, 1) if report.cpu_s else None,
    }


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    cv2.setNumThreads(1)
    out: dict[str, object] = {
        "detector_ms_per_call": {
            name: {
                "320x320": per_call_ms(name, (320, 320)),
                "160x160_crop": per_call_ms(name, (160, 160)),
                "360x360_tile": per_call_ms(name, (360, 360)),
                "640x360_frame": per_call_ms(name, (360, 640)),
            }
            for name in ("oidv4", "hog")
        }
    }
    src = VIDEO_DIR / "vtest.avi"
    if src.exists():
        with tempfile.TemporaryDirectory() as tmp:
            for gop in (1, 2):
                clip = substream(src, gop, Path(tmp))
                out[clip.name] = {name: full_analysis(clip, name) for name in ("none", "oidv4", "hog")}
                quiet = quiet_substream(src, gop, Path(tmp))
                out[quiet.name] = {name: idle_analysis(quiet, name) for name in ("none", "oidv4")}
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
