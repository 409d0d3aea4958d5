"""Faces at the duty desk: found in a crop around the seat, identified against the gallery when due.

Every `face_every_seconds` the seat crop (scaled so its long side is FACE_CROP_PX, so the
recogniser's detector, tuned for kiosks, finds a face about 40 px wide in a 640 px picture) is
searched; every `identify_every_seconds` the first face in the seat is matched to a person.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import cv2
import numpy as np
import numpy.typing as npt

from watchd.domain.presence import Sighting
from watchd.pipeline.duty_watch.state import CameraRuntime
from watchd.vision.presence import seat_box
from watchd.vision.recognition import RecognitionEngine

log = logging.getLogger(__name__)
FACE_CROP_PX = 640


class SeatFaces:
    def __init__(self, engine: RecognitionEngine | None, face_every: timedelta, identify_every: timedelta) -> None:
        self.engine = engine
        self.face_every = face_every
        self.identify_every = identify_every

    def search(
        self, cam: CameraRuntime, image: npt.NDArray[np.uint8], now: datetime
    ) -> tuple[list[tuple[float, float, float, float]], list[Sighting]]:
        """Face boxes (fractions of the picture) in the seat crop and, when due, who the largest is."""
        if self.engine is None or image.ndim != 3:
            return [], []
        if cam.last_face_search is not None and now - cam.last_face_search < self.face_every:
            return [], []
        cam.last_face_search = now
        h, w = image.shape[:2]
        x0, y0, x1, y1 = seat_box(cam.desk.seat)
        left, top, right, bottom = int(x0 * w), int(y0 * h), max(int(x1 * w), int(x0 * w) + 1), max(int(y1 * h), int(y0 * h) + 1)
        crop = image[top:bottom, left:right]
        scale = min(3.0, max(0.25, FACE_CROP_PX / max(1, *crop.shape[:2])))
        if abs(scale - 1.0) > 0.05:
            method = cv2.INTER_LINEAR if scale > 1.0 else cv2.INTER_AREA
            crop = np.asarray(cv2.resize(crop, None, fx=scale, fy=scale, interpolation=method), np.uint8)
        else:
            scale = 1.0
        crop = np.ascontiguousarray(crop)
        try:
            faces = self.engine.detect_rgb(crop)
        except Exception:
            log.warning("duty camera %s: face detection failed", cam.device_id, exc_info=True)
            return [], []
        boxes = [
            ((left + f.box.left / scale) / w, (top + f.box.top / scale) / h,
             f.box.width / scale / w, f.box.height / scale / h)
            for f in faces
        ]
        sightings: list[Sighting] = []
        in_seat = [f for f, b in zip(faces, boxes, strict=True) if cam.analyzer.face_in_seat(b)]
        if in_seat and (cam.last_identify is None or now - cam.last_identify >= self.identify_every):
            cam.last_identify = now
            try:
                match = self.engine.match(self.engine.encode_rgb(crop, in_seat[0]))
                sightings.append(Sighting(now, match.person_id))
            except Exception:
                log.warning("duty camera %s: face identification failed", cam.device_id, exc_info=True)
        return boxes, sightings
