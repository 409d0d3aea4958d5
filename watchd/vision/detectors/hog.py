"""OpenCV's built-in HOG people detector (coefficients compiled into opencv-python-headless).

Person only. Weak on whole frames (people under the 128-px window are missed), decent on a motion
crop scaled so that a person is about 130 px tall; always available, so it is the fallback.
"""

from __future__ import annotations

import cv2
import numpy as np

from watchd.vision.detectors.base import Detection, ObjectClass, Picture

MIN_SCORE = 0.6  # a margin of 0.2 at least: HOG's weakest hits are mostly texture
CROP_HEIGHT = 400  # a crop is scaled to this height: a person in a 2.5x context crop is then ~150 px tall


class HogDetector:
    name = "hog"
    classes: tuple[ObjectClass, ...] = ("person",)

    def __init__(self, *, threshold: float = 0.4) -> None:
        self.threshold = threshold
        self._hog = cv2.HOGDescriptor()
        self._hog.setSVMDetector(np.asarray(cv2.HOGDescriptor.getDefaultPeopleDetector(), dtype=np.float32))

    def detect(self, picture: Picture) -> list[Detection]:
        h, w = picture.shape[:2]
        f = CROP_HEIGHT / h if h < CROP_HEIGHT or h > 2 * CROP_HEIGHT else 1.0
        small = cv2.resize(picture, (max(64, round(w * f)), max(128, round(h * f)))) if f != 1.0 else picture
        sh, sw = small.shape[:2]
        rects, weights = self._hog.detectMultiScale(small, winStride=(8, 8), padding=(8, 8), scale=1.05)
        out = []
        for (x, y, rw, rh), weight in zip(rects, weights, strict=False):
            score = float(
                1.0 / (1.0 + pow(2.718281828, -float(weight)))
            )  # SVM margin -> 0..1 (0 margin = 0.5)
            if score >= self.threshold + 0.1:
                out.append(Detection("person", score, (x / sw, y / sh, rw / sw, rh / sh), "HOG person"))
        return sorted(out, key=lambda d: -d.score)
