"""Camera footage for the kiosk browser tests, made from the real stage clip in ../shared/data.

Chromium plays a .y4m file as its fake camera, looping it. No close-up kiosk footage exists, so
the stage clip is cropped around the performer's face and scaled up to 640x480, as a kiosk
camera would see a person standing in front of it:

- `turn_clip`: the performer looks at the camera and then turns his head to HIS right (real
  footage, frames 84-136 of the clip, i.e. about 2.8 s to 4.5 s). The crop follows the face
  (smoothed), so what remains is the head's own motion rather than him walking across the stage.
  The segment is time-warped (the frontal and the turned moments slowed, the turn itself sped
  up) and played forwards then backwards, so the loop has no jump and any ~3 s window of it
  holds a frontal moment followed by the turn: the kiosk's capture does not need to be in step
  with the loop. The yaw ratio goes from about +0.09 (frontal) to -0.33 (turned right).
- `still_clip`: one frontal frame of the same crop repeated: a printed photo held up to the
  camera. Liveness must reject it ("no_turn").
- `enrol_photos`: untouched 640x360 frames from other moments of the clip (about 4.6, 5.8 and
  6.7 s; none of them is in the kiosk footage), for enrolling the performer as an admin would,
  with several photos. The stage faces are small (~90 px) and blurred by motion, so a single
  photo from another moment can land near the 0.5 tolerance; the nearest of three is about 0.42.
- `no_face_photo`: a plain background crop, for a per-photo enrolment error.

Frames are decoded with OpenCV (already a dependency); the y4m is written directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from watchd.vision.faces import FaceAnalyzer

WIDTH, HEIGHT = 640, 480
CROP_W, CROP_H = 288, 216  # 4:3 around the face in the 640x360 source, scaled up 2.2x
#: (first source frame, last source frame, source frames per output frame)
TURN_PLAN: tuple[tuple[int, int, float], ...] = ((84, 96, 1.5), (97, 128, 2.5), (129, 136, 0.7))
STILL_FRAME = 93
ENROL_FRAMES = (138, 175, 200)

Image = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class KioskFootage:
    turn_clip: Path
    still_clip: Path
    enrol_photos: tuple[Path, ...]
    no_face_photo: Path


def _read_frames(source: Path, wanted: set[int]) -> dict[int, Image]:
    cap = cv2.VideoCapture(str(source))
    frames: dict[int, Image] = {}
    index = 0
    last = max(wanted)
    try:
        while index <= last:
            ok, frame = cap.read()
            if not ok:
                break
            if index in wanted:
                frames[index] = np.asarray(frame, dtype=np.uint8)
            index += 1
    finally:
        cap.release()
    missing = wanted - frames.keys()
    if missing:
        raise RuntimeError(f"{source}: could not decode frames {sorted(missing)[:5]}...")
    return frames


def _smooth(values: list[float], width: int = 7) -> npt.NDArray[np.float64]:
    """Fill gaps (NaN) by interpolation, then a moving average."""
    v = np.asarray(values, dtype=np.float64)
    idx = np.arange(len(v))
    good = ~np.isnan(v)
    if not good.any():
        raise RuntimeError("no face found in the clip segment")
    v = np.interp(idx, idx[good], v[good])
    padded = np.pad(v, (width // 2, width // 2), mode="edge")
    return np.convolve(padded, np.ones(width) / width, mode="valid")


def _tracked_crops(frames: dict[int, Image]) -> dict[int, Image]:
    """Each frame cropped around the (smoothed) face centre and scaled to 640x480."""
    analyzer = FaceAnalyzer(detect_max_side=640, min_face_px=40)
    order = sorted(frames)
    xs: list[float] = []
    ys: list[float] = []
    for i in order:
        faces = analyzer.detect(np.ascontiguousarray(frames[i][:, :, ::-1]))
        x, y = faces[0].box.centre if faces else (float("nan"), float("nan"))
        xs.append(x)
        ys.append(y)
    cx, cy = _smooth(xs), _smooth(ys)
    crops: dict[int, Image] = {}
    for n, i in enumerate(order):
        src_h, src_w = frames[i].shape[:2]
        x0 = int(np.clip(cx[n] - CROP_W / 2, 0, src_w - CROP_W))
        y0 = int(np.clip(cy[n] - CROP_H / 2 + 15, 0, src_h - CROP_H))  # a little more chin than hair
        crop = frames[i][y0 : y0 + CROP_H, x0 : x0 + CROP_W]
        crops[i] = np.asarray(
            cv2.resize(crop, (WIDTH, HEIGHT), interpolation=cv2.INTER_CUBIC), dtype=np.uint8
        )
    return crops


def _warp(plan: tuple[tuple[int, int, float], ...]) -> list[int]:
    """Source frame numbers for each output frame: the plan forwards, then backwards."""
    seq: list[int] = []
    for first, last, step in plan:
        t = float(first)
        while t <= last + 1e-9:
            seq.append(round(t))
            t += step
    return seq + seq[::-1]


def write_y4m(path: Path, frames: list[Image], fps: int = 30) -> None:
    """Raw 4:2:0 YUV, the format Chromium's --use-file-for-fake-video-capture reads."""
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for bgr in frames:
            out.write(b"FRAME\n")
            out.write(cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV_I420).tobytes())


def _write_jpeg(path: Path, image: Image) -> Path:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    if not ok:
        raise RuntimeError(f"could not encode {path.name}")
    path.write_bytes(buf.tobytes())
    return path


def make_kiosk_footage(source: Path, out_dir: Path) -> KioskFootage:
    plan_frames = {i for first, last, _ in TURN_PLAN for i in range(first, last + 1)}
    frames = _read_frames(source, plan_frames | set(ENROL_FRAMES))
    crops = _tracked_crops({i: frames[i] for i in plan_frames})
    turn = out_dir / "kiosk_turn_right.y4m"
    write_y4m(turn, [crops[i] for i in _warp(TURN_PLAN)])
    still = out_dir / "kiosk_still_photo.y4m"
    write_y4m(still, [crops[STILL_FRAME]] * 30)
    enrol = tuple(_write_jpeg(out_dir / f"enrol_{i}.jpg", frames[i]) for i in ENROL_FRAMES)
    curtain = np.ascontiguousarray(frames[ENROL_FRAMES[0]][:120, :160])  # top-left corner: stage curtain
    no_face = _write_jpeg(out_dir / "curtain.jpg", curtain)
    return KioskFootage(turn_clip=turn, still_clip=still, enrol_photos=enrol, no_face_photo=no_face)
