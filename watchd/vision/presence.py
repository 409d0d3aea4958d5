"""Someone at the duty desk, from one camera's pictures: cues per picture, no decisions over time.

The seat region is a polygon around where a seated officer's head and upper body appear. Per
analysed picture (grey, shrunk to `width`):
- movement: the difference from the previous analysed picture inside the seat region, after
  compensating the overall brightness, above both `motion_contrast` and the picture's own noise
  level, speckle removed. Plain picture-to-picture difference on purpose: the protected-site
  motion detector (`watchd.vision.motion`) learns a person who keeps moving a little into its
  background and raises its thresholds where pixels keep changing (leaves in the wind), which is
  right for a yard and wrong for someone typing at a desk;
- changed look: the seat region compared with a reference picture of the *empty* seat, after
  compensating the overall brightness with the rest of the picture; a person (facing the camera
  or not) covers the chair back and the desk edge behind them, so a large part of the region
  differs;
- faces: found by the caller (dlib, on a crop around the seat) and passed in; a face whose centre
  lies in the seat region counts.

The empty-seat reference is taken when the administrator says the seat is empty (`mark_empty`),
or learnt: after `settle_s` without movement or a face the current picture is adopted if there is
none yet; while the seat looks empty it follows slow light changes; if the seat has looked
changed for `relearn_s` with no movement and no face at all (a moved chair, a box on the desk),
the current picture becomes the new reference. What this can and cannot tell: docs/duty.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from watchd.vision.motion.detector import Region, rasterize

Luma = npt.NDArray[np.uint8]
FloatImage = npt.NDArray[np.float32]
Point = tuple[float, float]
SEAT = "座位"
_SPECKLE = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))


@dataclass(frozen=True, slots=True)
class DeskParams:
    width: int = 320  # analysis width in pixels
    motion_min_area: float = 0.0006  # fraction of the picture
    motion_contrast: float = 10.0  # grey levels
    noise_factor: float = 4.0  # times the picture's median difference (sensor noise)
    global_change: float = 0.35  # more of the picture than this changed at once: a lighting change
    occupied_contrast: float = 28.0  # grey levels against the empty seat
    occupied_fraction: float = 0.12  # of the seat region
    settle_s: float = 60.0
    drift_s: float = 900.0
    relearn_s: float = 1800.0


@dataclass(frozen=True, slots=True)
class DeskCues:
    t: float
    moving: bool
    motion_area: float  # moving area in the seat, as a fraction of the picture
    occupied: bool
    changed: float | None  # fraction of the seat unlike the empty seat; None: no reference yet
    face: bool
    transient: bool  # a lighting change (most of the picture changed): movement is not measured


def shrink_gray(image: npt.NDArray[np.uint8], width: int) -> Luma:
    """A grey picture `width` pixels wide, from an RGB (or already grey) one."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    h, w = gray.shape[:2]
    if w != width:
        size = (width, max(1, round(h * width / w)))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(gray, dtype=np.uint8)


def seat_box(seat: Sequence[Point], margin: float = 0.35) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) in fractions: the seat's bounding box grown by `margin` of its size (more
    upwards, where the head of a seated person is), for the face search crop."""
    xs, ys = [p[0] for p in seat], [p[1] for p in seat]
    w, h = max(xs) - min(xs), max(ys) - min(ys)
    return (
        max(0.0, min(xs) - w * margin), max(0.0, min(ys) - h * margin * 1.5),
        min(1.0, max(xs) + w * margin), min(1.0, max(ys) + h * margin * 0.5),
    )


class DeskAnalyzer:
    """Cues of one desk camera (see the module docstring). Not thread-safe: one per camera."""

    def __init__(self, seat: Sequence[Point], params: DeskParams | None = None) -> None:
        self.seat = tuple((float(x), float(y)) for x, y in seat)
        self.params = params or DeskParams()
        self.shape: tuple[int, int] | None = None
        self.reference: FloatImage | None = None
        self._seat_mask: npt.NDArray[np.bool_] | None = None
        self._context_mask: npt.NDArray[np.bool_] | None = None
        self._seat_u8: Luma | None = None
        self._previous: FloatImage | None = None
        self._last_active: float | None = None
        self._last_t: float | None = None
        self._adopt_next = False
        self.reference_changes = 0

    # -- the empty-seat reference ------------------------------------------------------------------
    def mark_empty(self) -> None:
        """The seat is empty now: the next picture becomes the reference."""
        self._adopt_next = True

    def load_reference(self, image: Luma) -> None:
        self._adopt_next = False
        self.reference = _blur(image)
        self.shape = (int(image.shape[0]), int(image.shape[1]))

    def reference_image(self) -> Luma | None:
        if self.reference is None:
            return None
        return np.asarray(np.clip(self.reference, 0, 255), dtype=np.uint8)

    def _adopt(self, frame: FloatImage) -> None:
        self.reference = frame.copy()
        self._adopt_next = False
        self.reference_changes += 1

    # -- per picture -------------------------------------------------------------------------------
    def _setup(self, shape: tuple[int, int]) -> None:
        if self.shape is not None and self.shape != shape:
            self.reference = None  # the camera's resolution changed: learn again
        self.shape = shape
        region = Region(SEAT, self.seat)
        self._seat_mask = rasterize([region], shape) > 0
        self._seat_u8 = self._seat_mask.astype(np.uint8) * np.uint8(255)
        self._context_mask = ~self._seat_mask
        self._previous = None

    def face_in_seat(self, box: tuple[float, float, float, float]) -> bool:
        """Whether a face box (x, y, w, h in fractions of the picture) is centred in the seat region."""
        cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
        poly = np.array(self.seat, dtype=np.float32).reshape(-1, 1, 2)
        if cv2.pointPolygonTest(poly, (cx, cy), False) >= 0:
            return True
        x0, y0, x1, y1 = seat_box(self.seat, margin=0.1)
        return x0 <= cx <= x1 and y0 <= cy <= y1

    def analyze(self, gray: Luma, t: float, faces: Sequence[tuple[float, float, float, float]] = ()) -> DeskCues:
        """Cues of one picture (grey, already at analysis width) at time `t` (seconds, increasing)."""
        shape = (int(gray.shape[0]), int(gray.shape[1]))
        if self.shape != shape or self._seat_mask is None:
            self._setup(shape)
        assert self._seat_mask is not None and self._context_mask is not None
        p = self.params
        frame = _blur(gray)
        area, transient = self._movement(frame)
        moving = area >= p.motion_min_area
        face = any(self.face_in_seat(f) for f in faces)
        changed: float | None = None
        if self.reference is not None and not self._adopt_next:
            changed = self._changed(frame)
        occupied = changed is not None and changed >= p.occupied_fraction
        if moving or face or self._last_active is None:
            self._last_active = t
        quiet_for = t - self._last_active
        dt = 0.0 if self._last_t is None else max(0.0, t - self._last_t)
        self._last_t = t
        if self._adopt_next:
            self._adopt(frame)
        elif self.reference is None:
            if quiet_for >= p.settle_s and not moving and not face:
                self._adopt(frame)
        elif not occupied and not moving and not face:
            alpha = min(1.0, dt / p.drift_s)
            cv2.accumulateWeighted(frame, self.reference, alpha)
        elif occupied and quiet_for >= p.relearn_s:
            self._adopt(frame)
        return DeskCues(t, moving, area, occupied, changed, face, transient)

    def _movement(self, frame: FloatImage) -> tuple[float, bool]:
        """Moving area in the seat (fraction of the picture) since the previous picture, and
        whether most of the picture changed at once (lights, IR switching: not movement)."""
        assert self._seat_u8 is not None
        previous, self._previous = self._previous, frame
        if previous is None:
            return 0.0, True
        level_now, level_before = float(np.median(frame)), float(np.median(previous))
        gain = float(np.clip((level_now + 4.0) / (level_before + 4.0), 0.5, 2.0))
        diff = cv2.absdiff(frame, previous * np.float32(gain))
        noise = float(np.median(diff))
        threshold = max(self.params.motion_contrast, self.params.noise_factor * noise)
        changed = np.asarray(diff > threshold, dtype=np.uint8) * np.uint8(255)
        if cv2.countNonZero(changed) > self.params.global_change * changed.size:
            return 0.0, True
        moving = cv2.morphologyEx(cv2.bitwise_and(changed, self._seat_u8), cv2.MORPH_OPEN, _SPECKLE)
        return cv2.countNonZero(moving) / moving.size, False

    def _changed(self, frame: FloatImage) -> float:
        assert self.reference is not None and self._seat_mask is not None and self._context_mask is not None
        ref = self.reference
        gain = 1.0
        if self._context_mask.any():
            now_level = float(np.median(frame[self._context_mask]))
            ref_level = float(np.median(ref[self._context_mask]))
            gain = float(np.clip((now_level + 4.0) / (ref_level + 4.0), 0.5, 2.0))
        diff = np.abs(frame[self._seat_mask] - ref[self._seat_mask] * np.float32(gain))
        seat = max(1, int(self._seat_mask.sum()))
        return float(np.count_nonzero(diff > self.params.occupied_contrast)) / seat


def _blur(gray: Luma) -> FloatImage:
    return np.asarray(cv2.GaussianBlur(gray, (7, 7), 0), dtype=np.float32)
