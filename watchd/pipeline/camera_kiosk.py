"""Face check-in from a local camera (no browser): track the face over a few seconds, require a head turn.

The browser kiosk asks the person to turn their head and sends the burst; a camera kiosk has no
screen to ask with, so it watches continuously: when the frames of the last `window` seconds show
a frontal face followed by a clear head turn (either way), the frontal frame is identified and the
check-in recorded through the same service as the browser kiosk. A sign next to the camera tells
people to look at it and turn their head.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from watchd.settings.recognition import LivenessSettings
from watchd.vision.faces import DetectedFace
from watchd.vision.liveness import check_head_turn

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Observed:
    at: datetime
    face: DetectedFace | None
    image: npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class Ready:
    """A live head turn was seen; identify `image` (the frontal frame) and record at `at`."""

    at: datetime
    face: DetectedFace
    image: npt.NDArray[np.uint8]


class CameraKioskTracker:
    """Pure state over observed frames; `now` comes with each frame, nothing sleeps."""

    def __init__(self, liveness: LivenessSettings, *, window_s: float = 4.0, cooldown_s: float = 5.0) -> None:
        self.liveness = liveness
        self.window = timedelta(seconds=window_s)
        self.cooldown = timedelta(seconds=cooldown_s)
        self.frames: deque[Observed] = deque()
        self.quiet_until: datetime | None = None

    def observe(self, frame: Observed) -> Ready | None:
        if self.quiet_until is not None and frame.at < self.quiet_until:
            return None
        self.frames.append(frame)
        while self.frames and frame.at - self.frames[0].at > self.window:
            self.frames.popleft()
        if frame.face is None:
            return None
        faces = [f.face for f in self.frames]
        result = check_head_turn(
            faces, None, frontal_yaw=self.liveness.frontal_yaw, min_yaw_change=self.liveness.min_yaw_change,
            max_box_jump=self.liveness.max_box_jump,
        )
        if not result.passed or result.frontal_index is None:
            return None
        chosen = self.frames[result.frontal_index]
        assert chosen.face is not None
        self.frames.clear()
        self.quiet_until = frame.at + self.cooldown
        return Ready(chosen.at, chosen.face, chosen.image)
