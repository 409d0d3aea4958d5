"""The head-turn challenge: synthetic face tracks, then real footage of a person turning their head."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from tests.datasets import require_shared_data
from watchd.settings.recognition import LivenessSettings
from watchd.vision.faces import DetectedFace, FaceAnalyzer, FaceBox
from watchd.vision.liveness import LivenessResult, check_head_turn

SETTINGS = LivenessSettings()


def face(yaw: float, *, x: float = 320, y: float = 240, width: int = 200) -> DetectedFace:
    half = width // 2
    box = FaceBox(top=round(y) - half, right=round(x) + half, bottom=round(y) + half, left=round(x) - half)
    eye = width * 0.4
    landmarks = (
        (x + eye, y - 20),
        (x + eye / 2, y - 20),
        (x - eye, y - 20),
        (x - eye / 2, y - 20),
        (x, y + 40),
    )
    return DetectedFace(box=box, landmarks=landmarks, yaw=yaw)


def check(faces: Sequence[DetectedFace | None], direction: str | None = None) -> LivenessResult:
    return check_head_turn(
        faces,
        direction,  # type: ignore[arg-type]
        frontal_yaw=SETTINGS.frontal_yaw,
        min_yaw_change=SETTINGS.min_yaw_change,
        max_box_jump=SETTINGS.max_box_jump,
    )


TURN_LEFT = [face(0.02), face(0.03), face(0.12), face(0.25), face(0.38), face(0.40)]


def test_a_frontal_face_turning_left_passes_a_left_challenge() -> None:
    result = check(TURN_LEFT, "left")
    assert result.passed and result.code == "passed"
    assert result.frontal_index == 0
    assert result.yaws == (0.02, 0.03, 0.12, 0.25, 0.38, 0.40)


def test_turning_the_other_way_fails_with_wrong_direction() -> None:
    result = check(TURN_LEFT, "right")
    assert (result.passed, result.code) == (False, "wrong_direction")
    turn_right = [face(-y) for y in (0.02, 0.03, 0.12, 0.25, 0.38, 0.40)]
    assert check(turn_right, "right").passed
    assert check(turn_right, "left").code == "wrong_direction"


def test_any_direction_passes_when_none_is_asked() -> None:
    assert check(TURN_LEFT, None).passed
    assert check([face(-y) for y in (0.0, 0.1, 0.3)], None).passed


def test_a_photo_held_still_has_constant_yaw_and_fails_with_no_turn() -> None:
    still = [face(0.03 + 0.01 * (i % 2), x=320 + i % 3) for i in range(12)]
    result = check(still, None)
    assert (result.passed, result.code) == (False, "no_turn")
    assert result.frontal_index == 0


def test_a_turn_too_small_is_not_enough() -> None:
    assert check([face(0.0), face(0.1), face(SETTINGS.min_yaw_change - 0.01)], None).code == "no_turn"


def test_the_turn_must_come_after_the_frontal_frame() -> None:
    assert check([face(0.4), face(0.3), face(0.0), face(0.01)], None).code == "no_turn"
    # Turned first, then frontal, then turned again: the later turn counts.
    result = check([face(0.4), face(0.0), face(0.35)], "left")
    assert result.passed and result.frontal_index == 1


def test_a_face_never_frontal_fails_with_not_frontal() -> None:
    assert check([face(0.3), face(0.45), face(0.6)], None).code == "not_frontal"


def test_a_different_face_appearing_mid_challenge_fails_as_discontinuous() -> None:
    jump = [face(0.0), face(0.02), face(0.4, x=320 + 0.6 * 200)]
    assert check(jump, None).code == "discontinuous"
    resized = [face(0.0), face(0.02), face(0.4, width=340)]  # 1.7x wider from one frame to the next
    assert check(resized, None).code == "discontinuous"
    moving = [face(0.0, x=300), face(0.1, x=340), face(0.3, x=380)]  # 0.2 face widths per frame
    assert check(moving, None).passed


def test_frames_without_a_face() -> None:
    assert check([None] * 8, None).code == "no_face"
    assert check([face(0.0), None, face(0.35)], "left").passed  # a blurred frame mid-turn
    assert check([face(0.0), None, None, None, face(0.35)], "left").code == "discontinuous"
    assert check([None, face(0.0), None], None).code == "too_few_frames"
    assert check([face(0.0)], None).code == "too_few_frames"
    assert check([], None).code == "too_few_frames"


# --- real footage ------------------------------------------------------------------------------

CLIP = ("video", "faces_clip_640x360_h264.mp4")
# In this clip a man on stage looks at the camera around frames 165-198 and turns to his right
# by frame 210. The crop keeps him in view; scaled up it looks like a kiosk close-up.
CROP = (slice(10, 260), slice(150, 400))
FRONTAL_FRAME = 177


def clip_frames(first: int, last: int) -> dict[int, npt.NDArray[np.uint8]]:
    path = require_shared_data(*CLIP)
    capture = cv2.VideoCapture(str(path))
    frames: dict[int, npt.NDArray[np.uint8]] = {}
    index = 0
    try:
        while index <= last:
            ok, bgr = capture.read()
            if not ok:
                break
            if index >= first:
                frames[index] = np.asarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), dtype=np.uint8)
            index += 1
    finally:
        capture.release()
    assert len(frames) == last - first + 1, "the clip is shorter than expected"
    return frames


def close_up(rgb: npt.NDArray[np.uint8], dx: int = 0, dy: int = 0) -> npt.NDArray[np.uint8]:
    rows, cols = CROP
    crop = rgb[rows.start + dy : rows.stop + dy, cols.start + dx : cols.stop + dx]
    return np.asarray(cv2.resize(crop, (600, 600), interpolation=cv2.INTER_CUBIC), dtype=np.uint8)


def largest(analyzer: FaceAnalyzer, rgb: npt.NDArray[np.uint8]) -> DetectedFace | None:
    faces = analyzer.detect(rgb)
    return faces[0] if faces else None


@pytest.fixture(scope="module")
def frames() -> dict[int, npt.NDArray[np.uint8]]:
    return clip_frames(165, 210)


@pytest.mark.integration
def test_a_real_head_turn_passes(analyzer: FaceAnalyzer, frames: dict[int, npt.NDArray[np.uint8]]) -> None:
    sequence = [largest(analyzer, close_up(frames[i])) for i in range(165, 211, 3)]  # 16 frames, 10 fps
    assert len(sequence) == SETTINGS.max_frames
    result = check(sequence, None)
    assert result.passed, result
    assert check(sequence, "right").passed  # he turns to his own right: the nose moves to image left
    assert check(sequence, "left").code == "wrong_direction"


@pytest.mark.integration
def test_a_still_frame_shown_to_the_camera_fails(
    analyzer: FaceAnalyzer, frames: dict[int, npt.NDArray[np.uint8]]
) -> None:
    """The same picture held up 12 times, with a little hand shake: no head turn."""
    shake = np.random.default_rng(3).integers(-4, 5, size=(12, 2))
    sequence = [largest(analyzer, close_up(frames[FRONTAL_FRAME], int(dx), int(dy))) for dx, dy in shake]
    assert all(f is not None for f in sequence)
    result = check(sequence, None)
    assert (result.passed, result.code) == (False, "no_turn")
