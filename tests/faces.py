"""Real face photos from ../shared/data (never copied into the repo); tests skip cleanly without them."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from tests.integration import need

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
FACES = SHARED / "faces"


def photo(relative: str) -> Path:
    path = FACES / relative
    need(path.is_file(), f"real face photos missing: {path}")
    return path


def photo_bytes(relative: str) -> bytes:
    return photo(relative).read_bytes()


def kiosk_frame(relative: str, size: tuple[int, int] = (640, 480)) -> bytes:
    """The photo as a kiosk camera would send it: a 640x480 JPEG."""
    img = cv2.imread(str(photo(relative)))
    h, w = img.shape[:2]
    scale = min(size[0] / w, size[1] / h)
    resized = cv2.resize(img, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
    canvas = np.zeros((size[1], size[0], 3), dtype=np.uint8)
    y, x = (size[1] - resized.shape[0]) // 2, (size[0] - resized.shape[1]) // 2
    canvas[y : y + resized.shape[0], x : x + resized.shape[1]] = resized
    ok, buf = cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return buf.tobytes()


OBAMA_TRAIN = "knn_examples/train/obama/obama.jpg"
BIDEN_TRAIN = "knn_examples/train/biden/biden.jpg"
OBAMA_PROBE = "knn_examples/test/obama1.jpg"
BIDEN_PROBE = "knn_examples/train/biden/biden2.jpg"
TWO_PEOPLE = "single/two_people.jpg"
