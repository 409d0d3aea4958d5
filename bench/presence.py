"""Duty-desk presence: CPU per duty-room camera at one analysed picture per second (JSON).

    taskset -c 0 .venv/bin/python bench/presence.py [VIDEO]

VIDEO defaults to ../shared/data/video/faces_clip_640x360_h264.mp4 (real footage with faces), and
is read once with OpenCV into RGB pictures; decoding the camera's stream is the capture driver's
cost and is not counted here (see bench/motion.py for decoding figures). What is timed, with the
pipeline's own functions and defaults (watchd.pipeline.duty_watch):
  analysis   shrink to 320 px grey + DeskAnalyzer.analyze (movement, seat look)   every picture
  face       the seat crop scaled to a 640 px long side + the recogniser's detector  every 2 s, only
                                                                                  when the seat shows someone
  identify   128-d encoding of the face + gallery match                          every 10 s while a face is there
CPU time is process time on one thread (one BLAS/OpenMP thread).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before numpy loads its BLAS

import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import numpy.typing as npt  # noqa: E402

from watchd.pipeline.duty_watch.faces import FACE_CROP_PX  # noqa: E402
from watchd.settings.duty import PresenceSettings  # noqa: E402
from watchd.settings.recognition import RecognitionSettings  # noqa: E402
from watchd.vision.presence import DeskAnalyzer, DeskParams, seat_box, shrink_gray  # noqa: E402
from watchd.vision.recognition import RecognitionEngine  # noqa: E402

VIDEO = (
    Path(sys.argv[1]) if len(sys.argv) > 1
    else Path(__file__).resolve().parents[2] / "shared" / "data" / "video" / "faces_clip_640x360_h264.mp4"
)
SEAT = ((0.25, 0.1), (0.75, 0.1), (0.75, 0.95), (0.25, 0.95))  # the middle of the stage as the "desk"
RATE_FPS = 1.0
Image = npt.NDArray[np.uint8]


def cpu() -> float:
    return time.process_time()


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def read_frames(path: Path, limit: int = 240) -> list[Image]:
    cap = cv2.VideoCapture(str(path))
    frames: list[Image] = []
    while len(frames) < limit:
        ok, bgr = cap.read()
        if not ok:
            break
        frames.append(np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
    cap.release()
    return frames


def synthetic_frames(n: int = 240) -> list[Image]:
    """Noise and a moving block, when the shared footage is missing: the analysis cost is the same."""
    rng = np.random.default_rng(1)
    out = []
    for i in range(n):
        img = np.full((360, 640, 3), 120, np.uint8)
        cv2.rectangle(img, (250 + i % 40, 80), (390 + i % 40, 330), (60, 60, 160), -1)
        out.append(np.clip(img.astype(np.int16) + rng.integers(-6, 7, img.shape), 0, 255).astype(np.uint8))
    return out


def seat_crop(image: Image) -> Image:
    h, w = image.shape[:2]
    x0, y0, x1, y1 = seat_box(SEAT)
    crop = image[int(y0 * h):int(y1 * h), int(x0 * w):int(x1 * w)]
    scale = min(3.0, max(0.25, FACE_CROP_PX / max(crop.shape[:2])))
    return np.ascontiguousarray(cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR))


def timed(fn: Callable[[], object], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        t0 = cpu()
        fn()
        out.append((cpu() - t0) * 1000)
    return out


def summary(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    return {
        "mean_ms": round(statistics.fmean(ms), 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
    }


def main() -> None:
    frames = read_frames(VIDEO) if VIDEO.is_file() else []
    source = str(VIDEO) if frames else "synthetic (shared footage missing)"
    if not frames:
        frames = synthetic_frames()
    log(f"{len(frames)} pictures from {source}")
    presence = PresenceSettings()
    analyzer = DeskAnalyzer(SEAT, DeskParams())
    analysis: list[float] = []
    for i, image in enumerate(frames):
        t0 = cpu()
        analyzer.analyze(shrink_gray(image, 320), float(i))
        analysis.append((cpu() - t0) * 1000)

    engine = RecognitionEngine(RecognitionSettings(), workers=0)
    crops = [seat_crop(f) for f in frames[::10]]
    found = [(c, faces[0]) for c in crops if (faces := engine.detect_rgb(c))]
    log(f"face found in {len(found)} of {len(crops)} seat crops")
    detect = [ms for c in crops for ms in timed(lambda c=c: engine.detect_rgb(c), 1)]  # type: ignore[misc]
    empty = np.ascontiguousarray(np.full_like(crops[0], 128))
    detect_empty = timed(lambda: engine.detect_rgb(empty), 5)
    identify: list[float] = []
    if found:
        engine.load_gallery([(f"p{i}", np.random.default_rng(i).normal(0, 0.1, 128).astype("<f8").tobytes())
                             for i in range(50)])
        for crop, face in found[:10]:
            identify += timed(lambda crop=crop, face=face: engine.match(engine.encode_rgb(crop, face)), 1)  # type: ignore[misc]
    engine.close()

    a = statistics.fmean(analysis)
    d = statistics.fmean(detect)
    ident = statistics.fmean(identify) if identify else 0.0
    per_s = RATE_FPS
    empty_desk = a * per_s
    occupied = a * per_s + d / presence.face_every_seconds + ident / presence.identify_every_seconds
    print(json.dumps({
        "source": source,
        "picture_size": list(frames[0].shape[1::-1]),
        "rate_fps": RATE_FPS,
        "analysis": summary(analysis),
        "face_search": {**summary(detect), "every_s": presence.face_every_seconds, "crop_px": FACE_CROP_PX},
        "face_search_empty_crop": summary(detect_empty),
        "identify": {**(summary(identify) if identify else {}), "every_s": presence.identify_every_seconds},
        "cpu_percent_per_camera": {
            "empty_desk": round(empty_desk / 10, 3),
            "someone_at_the_desk": round(occupied / 10, 3),
        },
        "cameras_per_core_at_50_percent": int(500 / occupied) if occupied else None,
    }, indent=2))


if __name__ == "__main__":
    main()
