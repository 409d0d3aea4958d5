"""Head-turn liveness challenge from 5-point landmarks. See docs/liveness.md for what it stops.

The kiosk asks the person to look at the camera and then turn their head. A flat photo or a
phone held in front of the camera shows the same yaw in every frame, so it fails with "no_turn".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Final, Literal

from watchd.vision.faces import DetectedFace

#: Largest ratio between the widths of consecutive detected faces: a bigger jump is another face.
MAX_SIZE_JUMP: Final = 1.6
#: Most consecutive frames without a face between two frames with one; more breaks the track.
MAX_MISSING_FRAMES: Final = 2

LivenessCode = Literal[
    "passed", "no_face", "not_frontal", "no_turn", "wrong_direction", "discontinuous", "too_few_frames"
]


@dataclass(frozen=True, slots=True)
class LivenessResult:
    """passed, a stable code, the yaw per frame (None: no face) and the frontal frame used."""

    passed: bool
    code: str
    yaws: tuple[float | None, ...]
    frontal_index: int | None


def check_head_turn(
    faces: Sequence[DetectedFace | None],
    direction: Literal["left", "right"] | None,
    *,
    frontal_yaw: float,
    min_yaw_change: float,
    max_box_jump: float,
) -> LivenessResult:
    """A frontal frame followed by one turned by min_yaw_change towards the person's own `direction`.

    `faces` is the largest face of each frame in capture order (None where there was none);
    `direction` None accepts a turn either way. The face must stay one continuous track: between
    consecutive frames with a face, its centre moves at most max_box_jump face widths, its width
    changes by at most MAX_SIZE_JUMP times, and at most MAX_MISSING_FRAMES frames lack a face.
    Yaw is yaw_ratio(): positive when the person turned to their own left.
    """
    yaws = tuple(None if f is None else f.yaw for f in faces)
    track = [(i, f) for i, f in enumerate(faces) if f is not None]

    def result(code: LivenessCode, frontal: int | None = None) -> LivenessResult:
        return LivenessResult(passed=code == "passed", code=code, yaws=yaws, frontal_index=frontal)

    if len(faces) < 2:
        return result("too_few_frames")
    if not track:
        return result("no_face")
    if len(track) < 2:
        return result("too_few_frames")
    if not _continuous(track, max_box_jump):
        return result("discontinuous")
    frontal = [(i, f.yaw) for i, f in track if abs(f.yaw) <= frontal_yaw]
    if not frontal:
        return result("not_frontal")
    wrong_way: int | None = None
    for start, base in frontal:
        for later, face in track:
            change = face.yaw - base  # > 0: towards the person's own left
            if later <= start or abs(change) < min_yaw_change:
                continue
            turned = "left" if change > 0 else "right"
            if direction is None or turned == direction:
                return result("passed", start)
            if wrong_way is None:
                wrong_way = start
    if wrong_way is not None:
        return result("wrong_direction", wrong_way)
    return result("no_turn", frontal[0][0])


def _continuous(track: Sequence[tuple[int, DetectedFace]], max_box_jump: float) -> bool:
    """One face throughout: no long gap, no jump of the centre, no sudden change of size."""
    for (before, a), (after, b) in pairwise(track):
        if after - before - 1 > MAX_MISSING_FRAMES:
            return False
        width = max(1, a.box.width)
        (ax, ay), (bx, by) = a.box.centre, b.box.centre
        if ((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5 > max_box_jump * width:
            return False
        small, large = sorted((width, max(1, b.box.width)))
        if large > MAX_SIZE_JUMP * small:
            return False
    return True
