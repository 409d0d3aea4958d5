"""Generated duty-room pictures: a desk with monitors, a chair, and optionally a seated person.

The person breathes and moves a little from picture to picture (as someone at a desk does), can
face the camera with a real face photo pasted on (for recognition), or sit with their back half
turned (no face). Sensor noise differs in every picture. Deterministic for a given seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]
WIDTH, HEIGHT = 640, 480
# The seat region as configured for this scene: the chair back and where a seated person's head is.
SEAT = ((0.36, 0.22), (0.64, 0.22), (0.64, 0.78), (0.36, 0.78))


def _room() -> Image:
    img = np.zeros((HEIGHT, WIDTH, 3), dtype=np.uint8)
    for y in range(HEIGHT):  # wall: a vertical gradient
        img[y, :] = (150 + y // 12, 160 + y // 14, 170 + y // 16)
    cv2.rectangle(img, (40, 60), (220, 190), (30, 30, 30), -1)  # monitor wall left
    cv2.rectangle(img, (50, 70), (210, 180), (200, 160, 90), -1)
    cv2.rectangle(img, (420, 60), (600, 190), (30, 30, 30), -1)  # monitor right
    cv2.rectangle(img, (430, 70), (590, 180), (90, 170, 200), -1)
    cv2.rectangle(img, (250, 150), (390, 360), (60, 50, 45), -1)  # chair back
    cv2.rectangle(img, (262, 162), (378, 348), (80, 70, 62), 3)
    cv2.rectangle(img, (0, 340), (WIDTH, 420), (70, 95, 120), -1)  # desk
    cv2.rectangle(img, (0, 420), (WIDTH, HEIGHT), (90, 90, 95), -1)  # floor
    cv2.rectangle(img, (470, 300), (560, 345), (200, 200, 200), -1)  # papers on the desk
    return img


ROOM = _room()


@dataclass(frozen=True, slots=True)
class Person:
    shirt: tuple[int, int, int] = (150, 60, 40)
    face: Image | None = None  # RGB face photo to paste (facing the camera); None: back half turned


def load_face(path: Path, size: int = 130) -> Image:
    """A square crop around the largest face of a photo, `size` pixels, RGB."""
    bgr = cv2.imread(str(path))
    assert bgr is not None, path
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    import dlib

    rects = dlib.get_frontal_face_detector()(rgb, 1)
    assert rects, f"no face in {path}"
    r = max(rects, key=lambda r: r.width())
    cx, cy, half = (r.left() + r.right()) // 2, (r.top() + r.bottom()) // 2, int(r.width() * 0.9)
    h, w = rgb.shape[:2]
    crop = rgb[max(0, cy - half):min(h, cy + half), max(0, cx - half):min(w, cx + half)]
    return np.ascontiguousarray(cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA))


def frame(i: int, person: Person | None, *, seed: int = 0, light: float = 1.0) -> Image:
    """Picture number `i` (one a second): the room, the person if any, noise and a light level."""
    img = ROOM.copy()
    rng = np.random.default_rng(seed * 100_003 + i)
    if person is not None:
        # Breathing and small shifts: a few pixels, different every picture.
        dx = round(3 * math.sin(i * 0.9)) + int(rng.integers(-2, 3))
        dy = round(2 * math.sin(i * 0.5))
        cx, top = 320 + dx, 120 + dy
        cv2.ellipse(img, (cx, top + 190), (95, 130), 0, 180, 360, person.shirt, -1)  # shoulders, torso
        cv2.rectangle(img, (cx - 95, top + 190), (cx + 95, top + 240), person.shirt, -1)
        arm = round(10 * math.sin(i * 1.7))  # an arm on the desk, moving (typing, writing)
        cv2.ellipse(img, (cx + 110 + arm, 345), (45, 18), 0, 0, 360, person.shirt, -1)
        if person.face is not None:
            f = person.face
            y0, x0 = top, cx - f.shape[1] // 2
            img[y0:y0 + f.shape[0], x0:x0 + f.shape[1]] = f
        else:  # the back of a head and a bit of ear: no face for the detector
            cv2.ellipse(img, (cx + 8, top + 65), (52, 62), 0, 0, 360, (35, 30, 28), -1)
            cv2.ellipse(img, (cx - 40, top + 70), (10, 16), 0, 0, 360, (170, 130, 110), -1)
    noise = np.empty(img.shape, dtype=np.int16)
    cv2.setRNGSeed(seed * 100_003 + i)
    cv2.randn(noise, 0, 3)
    if light != 1.0:
        img = cv2.convertScaleAbs(img, alpha=light)
    return np.clip(img.astype(np.int16) + noise, 0, 255).astype(np.uint8)
