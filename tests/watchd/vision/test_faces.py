"""Face detection, enrolment and identification, on generated images and real photos.

Real photos come from ../shared/data/faces; those tests skip (fail in CI) when it is absent.
"""

from __future__ import annotations

import math
import pickle
from functools import cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from tests.datasets import require_shared_data
from watchd.vision.faces import DetectedFace, FaceAnalyzer, FaceBox, FaceRejected, yaw_ratio
from watchd.vision.gallery import Gallery
from watchd.vision.images import decode_image

LIMITS = {"max_bytes": 20_000_000, "max_pixels": 25_000_000}
TRUTH = {  # who is in each knn test photo, from the file names
    "alex_lacamoire1.jpg": {"alex_lacamoire"},
    "johnsnow_test1.jpg": {"kit_harington"},
    "obama1.jpg": {"obama"},
    "kit_with_rose.jpg": {"kit_harington", "rose_leslie"},
    "obama_and_biden.jpg": {"obama", "biden"},
}
FRONTAL = ((420.0, 200.0), (380.0, 200.0), (220.0, 200.0), (260.0, 200.0), (320.0, 300.0))


@cache
def photo(*parts: str) -> npt.NDArray[np.uint8]:
    return decode_image(require_shared_data("faces", *parts).read_bytes(), **LIMITS)


def letterboxed(rgb: npt.NDArray[np.uint8], size: tuple[int, int] = (640, 480)) -> npt.NDArray[np.uint8]:
    """The photo as a 640x480 kiosk frame."""
    h, w = rgb.shape[:2]
    scale = min(size[0] / w, size[1] / h)
    resized = cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    frame = np.zeros((size[1], size[0], 3), dtype=np.uint8)
    y, x = (size[1] - resized.shape[0]) // 2, (size[0] - resized.shape[1]) // 2
    frame[y : y + resized.shape[0], x : x + resized.shape[1]] = resized
    return frame


def rejection_code(analyzer: FaceAnalyzer, rgb: npt.NDArray[np.uint8]) -> str:
    with pytest.raises(FaceRejected) as info:
        analyzer.enrollment_template(rgb)
    assert info.value.message
    return info.value.code


# --- without real photos ------------------------------------------------------------------------


def test_an_image_without_a_face_has_none(analyzer: FaceAnalyzer) -> None:
    raw = np.random.default_rng(5).integers(0, 256, (480, 640, 3), dtype=np.uint8)
    noise = np.asarray(cv2.GaussianBlur(raw, (5, 5), 0), dtype=np.uint8)
    assert analyzer.detect(noise) == []
    assert rejection_code(analyzer, noise) == "no_face"


def test_the_analyzer_takes_only_rgb_uint8_images(analyzer: FaceAnalyzer) -> None:
    with pytest.raises(ValueError, match="RGB"):
        analyzer.detect(np.zeros((100, 100), dtype=np.uint8))
    with pytest.raises(ValueError, match="RGB"):
        analyzer.detect(np.zeros((100, 100, 3), dtype=np.float32))


def test_yaw_is_zero_when_frontal_and_positive_when_the_person_turns_to_their_left() -> None:
    assert yaw_ratio(FRONTAL) == pytest.approx(0.0)
    # Turned to their own left: in an unmirrored camera the nose moves to the image's right.
    nose_right = (*FRONTAL[:4], (380.0, 300.0))
    assert yaw_ratio(nose_right) == pytest.approx(60 / 160)
    nose_left = (*FRONTAL[:4], (250.0, 300.0))
    assert yaw_ratio(nose_left) == pytest.approx(-70 / 160)


def test_yaw_does_not_change_when_the_head_is_tilted() -> None:
    turned = (*FRONTAL[:4], (370.0, 300.0))
    angle = math.radians(25)
    rotated = tuple(
        (
            320 + (x - 320) * math.cos(angle) - (y - 240) * math.sin(angle),
            240 + (x - 320) * math.sin(angle) + (y - 240) * math.cos(angle),
        )
        for x, y in turned
    )
    assert yaw_ratio(rotated) == pytest.approx(yaw_ratio(turned))


def test_a_detected_face_crosses_a_process_boundary_intact() -> None:
    face = DetectedFace(box=FaceBox(top=10, right=220, bottom=230, left=20), landmarks=FRONTAL, yaw=0.0)
    assert pickle.loads(pickle.dumps(face)) == face
    assert (face.box.width, face.box.height, face.box.centre) == (200, 220, (120.0, 120.0))


# --- real photos ---------------------------------------------------------------------------------


def train_photos() -> list[Path]:
    train = require_shared_data("faces", "knn_examples", "train")
    return sorted(p for p in train.rglob("*") if p.is_file())


@pytest.mark.integration
def test_every_knn_training_photo_gives_an_enrolment_template(analyzer: FaceAnalyzer) -> None:
    paths = train_photos()
    assert len(paths) >= 9
    for path in paths:
        face, encoding = analyzer.enrollment_template(
            photo("knn_examples", "train", path.parent.name, path.name)
        )
        assert encoding.shape == (128,) and encoding.dtype == np.float64
        assert face.box.width >= analyzer.min_face_px
        assert len(face.landmarks) == 5


@pytest.mark.integration
@pytest.mark.parametrize(
    "parts", [("single", "two_people.jpg"), ("knn_examples", "test", "obama_and_biden.jpg")]
)
def test_an_enrolment_photo_with_two_people_is_refused(
    analyzer: FaceAnalyzer, parts: tuple[str, ...]
) -> None:
    assert rejection_code(analyzer, photo(*parts)) == "several_faces"


@pytest.mark.integration
def test_a_face_too_small_to_use_is_refused_and_not_offered_to_the_kiosk(analyzer: FaceAnalyzer) -> None:
    rgb = photo("single", "obama-240p.jpg")
    assert rejection_code(analyzer, rgb) == "face_too_small"
    assert analyzer.detect(rgb) == []
    assert [f.box.width for f in analyzer.detect_thorough(rgb)] != []


@pytest.mark.integration
def test_detected_boxes_and_landmarks_are_in_original_pixels(
    analyzer: FaceAnalyzer, face_recognition_api: Any
) -> None:
    rgb = photo("knn_examples", "train", "obama", "obama.jpg")
    assert max(rgb.shape) > 2 * analyzer.detect_max_side  # so detection ran on a shrunk copy
    (face,) = analyzer.detect(rgb)
    top, right, bottom, left = face_recognition_api.face_locations(rgb)[0]
    inter = max(0, min(right, face.box.right) - max(left, face.box.left)) * max(
        0, min(bottom, face.box.bottom) - max(top, face.box.top)
    )
    union = (right - left) * (bottom - top) + face.box.width * face.box.height - inter
    assert inter / union > 0.6
    for x, y in face.landmarks:
        assert (
            face.box.left - 10 <= x <= face.box.right + 10 and face.box.top - 10 <= y <= face.box.bottom + 10
        )


@pytest.mark.integration
def test_encodings_are_comparable_with_face_recognitions(
    analyzer: FaceAnalyzer, face_recognition_api: Any
) -> None:
    """Same model and pipeline: a template made by face_recognition still matches ours."""
    rgb = photo("knn_examples", "test", "obama1.jpg")
    (reference,) = face_recognition_api.face_encodings(rgb)
    fast = analyzer.encode(rgb, analyzer.detect(rgb)[0])
    assert np.linalg.norm(fast - reference) < 0.1  # genuine pairs here are 0.3-0.45 apart
    _, enrolled = analyzer.enrollment_template(rgb)  # full resolution, upsample 1: face_recognition's own
    # The same network in float32, summed in another order than dlib's: ~1e-6 apart, not 0.
    assert np.linalg.norm(enrolled - reference) < 1e-5


@pytest.fixture(scope="module")
def knn_gallery(analyzer: FaceAnalyzer) -> Gallery:
    """One enrolment photo per person: the first in each training folder."""
    gallery = Gallery(tolerance=0.5, margin=0.08)
    train = require_shared_data("faces", "knn_examples", "train")
    for folder in sorted(p for p in train.iterdir() if p.is_dir()):
        first = sorted(folder.iterdir())[0]
        gallery.add(
            folder.name,
            analyzer.enrollment_template(photo("knn_examples", "train", folder.name, first.name))[1],
        )
    return gallery


def identify(analyzer: FaceAnalyzer, gallery: Gallery, rgb: npt.NDArray[np.uint8]) -> list[str | None]:
    return [gallery.match(analyzer.encode(rgb, face)).person_id for face in analyzer.detect(rgb)]


@pytest.mark.integration
@pytest.mark.parametrize("name", sorted(TRUTH))
def test_knn_test_photos_are_identified_without_accepting_a_wrong_person(
    analyzer: FaceAnalyzer, knn_gallery: Gallery, name: str
) -> None:
    decisions = identify(analyzer, knn_gallery, photo("knn_examples", "test", name))
    accepted = {d for d in decisions if d is not None}
    assert accepted <= TRUTH[name]
    assert accepted, f"nobody recognised in {name}: {decisions}"
    if len(TRUTH[name]) == 1:
        assert decisions[0] in TRUTH[name]


@pytest.mark.integration
def test_a_kiosk_frame_is_recognised(analyzer: FaceAnalyzer, knn_gallery: Gallery) -> None:
    frame = letterboxed(photo("knn_examples", "test", "johnsnow_test1.jpg"))
    assert identify(analyzer, knn_gallery, frame)[:1] == ["kit_harington"]


@pytest.mark.integration
def test_a_stranger_is_not_accepted_as_anyone(analyzer: FaceAnalyzer, knn_gallery: Gallery) -> None:
    stranger = photo("single", "lin-manuel-miranda.png")  # not enrolled
    faces = analyzer.detect(stranger)
    assert faces
    match = knn_gallery.match(analyzer.encode(stranger, faces[0]))
    assert match.person_id is None
    assert match.candidate is not None and match.distance is not None and match.distance >= 0.5
