"""The camera kiosk watches continuously: a live head turn gives one check-in, a still face none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from watchd.pipeline.camera_kiosk import CameraKioskTracker, Observed
from watchd.settings.recognition import LivenessSettings
from watchd.vision.faces import DetectedFace, FaceBox

T0 = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)
IMAGE = np.zeros((4, 4, 3), dtype=np.uint8)


def face(yaw: float, x: int = 200) -> DetectedFace:
    return DetectedFace(box=FaceBox(top=100, right=x + 150, bottom=250, left=x), landmarks=(), yaw=yaw)


def feed(tracker: CameraKioskTracker, yaws: list[float | None], start: datetime = T0, fps: float = 5):  # type: ignore[no-untyped-def]
    ready = []
    for i, yaw in enumerate(yaws):
        at = start + timedelta(seconds=i / fps)
        out = tracker.observe(Observed(at, None if yaw is None else face(yaw), IMAGE))
        if out is not None:
            ready.append(out)
    return ready


def test_a_head_turn_is_ready_once_at_the_frontal_frame() -> None:
    tracker = CameraKioskTracker(LivenessSettings())
    ready = feed(tracker, [0.02, 0.01, 0.1, 0.2, 0.35, 0.4, 0.3, 0.1, 0.0, 0.2, 0.4])
    assert len(ready) == 1  # the cooldown swallows the second turn right after
    assert abs(ready[0].face.yaw) <= LivenessSettings().frontal_yaw
    assert ready[0].at < T0 + timedelta(seconds=1)


def test_a_still_face_never_checks_in() -> None:
    tracker = CameraKioskTracker(LivenessSettings())
    assert feed(tracker, [0.03] * 60) == []


def test_a_turn_spread_beyond_the_window_does_not_count() -> None:
    # Frontal at t=0, a half turn (not enough) held, the full turn only at t=3.2 s.
    too_slow = CameraKioskTracker(LivenessSettings(), window_s=2.0)
    assert feed(too_slow, [0.0, *[0.2] * 15, 0.4]) == []  # the only frontal frame left the window
    # Frontal frames go on until just before the turn: that is a live turn within the window.
    in_time = CameraKioskTracker(LivenessSettings(), window_s=2.0)
    assert len(feed(in_time, [0.0, *[0.02] * 15, 0.4])) == 1


def test_after_the_cooldown_the_next_person_can_check_in() -> None:
    tracker = CameraKioskTracker(LivenessSettings(), cooldown_s=5)
    first = feed(tracker, [0.0, 0.4])
    later = feed(tracker, [0.0, 0.4], start=T0 + timedelta(seconds=10))
    assert len(first) == 1 and len(later) == 1
