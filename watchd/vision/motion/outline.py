"""The event snapshot: the picture with the zones drawn thin and the moving objects outlined."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import numpy.typing as npt

from watchd.vision.motion.detector import Blob, Region


def outline(
    image: npt.NDArray[np.uint8], blobs: Sequence[Blob], zones: Sequence[Region]
) -> npt.NDArray[np.uint8]:
    """A copy of a BGR (or grey) picture with the zones drawn thin and the moving objects outlined."""
    out = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image.copy()
    h, w = out.shape[:2]
    thick = max(2, round(w / 400))
    for zone in zones:
        pts = np.array([[round(x * (w - 1)), round(y * (h - 1))] for x, y in zone.points], dtype=np.int32)
        cv2.polylines(out, [pts], True, (0, 200, 255), max(1, thick // 2))
    for blob in blobs:
        x, y, bw, bh = blob.box
        p1 = (round(x * w), round(y * h))
        p2 = (round((x + bw) * w), round((y + bh) * h))
        cv2.rectangle(out, p1, p2, (0, 0, 255) if blob.zones else (0, 255, 0), thick)
    return np.asarray(out, dtype=np.uint8)
