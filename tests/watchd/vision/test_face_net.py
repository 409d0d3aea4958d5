"""The numpy face encoder gives dlib's encodings, and refuses a model file it does not understand.

Parity on synthetic 150x150 chips needs only the installed model; parity on real faces and the
"templates enrolled with dlib keep matching" check use ../shared/data (skip, or fail in CI).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import cv2
import dlib
import face_recognition_models
import numpy as np
import numpy.typing as npt
import pytest

from tests.faces import (
    BIDEN_PROBE,
    BIDEN_TRAIN,
    OBAMA_PROBE,
    OBAMA_TRAIN,
    TWO_PEOPLE,
    kiosk_frame,
    photo_bytes,
)
from watchd.vision.face_net import FaceNet, ModelFormatError, load_face_net
from watchd.vision.faces import FaceAnalyzer
from watchd.vision.gallery import Gallery
from watchd.vision.images import decode_image

MODEL = Path(face_recognition_models.face_recognition_model_location())
#: Largest difference allowed per component: float32 sums in another order differ by ~1e-6.
TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def net() -> FaceNet:
    return load_face_net(MODEL)


@pytest.fixture(scope="module")
def dlib_net() -> object:
    return dlib.face_recognition_model_v1(str(MODEL))


@cache
def model_bytes() -> bytes:
    return MODEL.read_bytes()


def synthetic_chips() -> npt.NDArray[np.uint8]:
    """Noise, flat and saturated images, and a drawn face (skin oval, eyes, brows, mouth)."""
    rng = np.random.default_rng(11)
    noise = rng.integers(0, 256, (150, 150, 3), dtype=np.uint8)
    face = np.full((150, 150, 3), (40, 90, 140), dtype=np.uint8)
    cv2.ellipse(face, (75, 80), (45, 60), 0, 0, 360, (225, 180, 150), -1)
    for x in (57, 93):
        cv2.circle(face, (x, 68), 7, (255, 255, 255), -1)
        cv2.circle(face, (x, 68), 3, (30, 20, 10), -1)
        cv2.line(face, (x - 10, 55), (x + 10, 53), (60, 40, 30), 3)
    cv2.ellipse(face, (75, 108), (16, 6), 0, 0, 180, (150, 50, 60), -1)
    face = np.asarray(cv2.GaussianBlur(face, (5, 5), 0), dtype=np.uint8)
    flat = np.full((150, 150, 3), 128, dtype=np.uint8)
    white = np.full((150, 150, 3), 255, dtype=np.uint8)
    return np.stack([noise, face, flat, white, np.zeros_like(white)])


def test_descriptors_equal_dlibs_on_synthetic_chips(net: FaceNet, dlib_net: object) -> None:
    chips = synthetic_chips()
    ours = net.describe(chips)
    theirs = np.array([list(dlib_net.compute_face_descriptor(chip)) for chip in chips])  # type: ignore[attr-defined]
    assert ours.shape == (len(chips), 128)
    assert np.abs(ours - theirs).max() < TOLERANCE
    # Distances between the chips, what matching uses, agree too.
    def distances(d: npt.NDArray[np.floating]) -> npt.NDArray[np.floating]:
        return np.linalg.norm(d[:, None, :] - d[None, :, :], axis=2)

    assert np.abs(distances(ours) - distances(theirs)).max() < TOLERANCE
    assert distances(theirs)[np.triu_indices(len(chips), 1)].min() > 0.05  # the chips are not all alike


def test_a_batch_gives_what_each_chip_gives_alone(net: FaceNet) -> None:
    chips = synthetic_chips()
    alone = np.concatenate([net.describe(chip[np.newaxis]) for chip in chips])
    assert np.abs(net.describe(chips) - alone).max() < 1e-5


def test_only_150_pixel_rgb_chips_are_accepted(net: FaceNet) -> None:
    with pytest.raises(ValueError, match="face chips"):
        net.describe(np.zeros((1, 120, 120, 3), dtype=np.uint8))
    with pytest.raises(ValueError, match="face chips"):
        net.describe(np.zeros((1, 150, 150, 3), dtype=np.float32))  # type: ignore[arg-type]


# --- the model file --------------------------------------------------------------------------------


def load_error(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "model.dat"
    path.write_bytes(data)
    with pytest.raises(ModelFormatError) as info:
        load_face_net(path)
    message = str(info.value)
    assert message.startswith(f"{path}: byte ")
    return message


def test_a_truncated_model_file_is_refused(tmp_path: Path) -> None:
    data = model_bytes()
    assert "file ends inside" in load_error(tmp_path, data[: len(data) // 2])
    assert "file ends inside" in load_error(tmp_path, data[:-1])
    assert "file ends inside" in load_error(tmp_path, b"")


def test_bytes_after_the_network_are_refused(tmp_path: Path) -> None:
    assert "1 unexpected bytes after the end" in load_error(tmp_path, model_bytes() + b"\x00")


def test_another_dlib_network_is_refused_with_what_it_is() -> None:
    other = Path(face_recognition_models.cnn_face_detector_model_location())
    with pytest.raises(ModelFormatError, match=r"loss layer: expected 'loss_metric_2', found 'loss_mmod_'"):
        load_face_net(other)


def test_a_file_that_is_not_a_dlib_network_is_refused(tmp_path: Path) -> None:
    assert "add_loss_layer version" in load_error(tmp_path, b"\xff\xd8\xff\xe0 a JPEG, say")


def test_a_changed_layer_shape_is_refused_with_the_layer_named(tmp_path: Path) -> None:
    data = model_bytes()
    # The first avg_pool_2 read is the 2x2 stride-2 shortcut pool of the 64-channel down block.
    at = data.index(b"\x0aavg_pool_2\x01\x02\x01\x02") + 11
    patched = data[:at] + b"\x01\x03" + data[at + 2 :]  # window rows 2 -> 3
    message = load_error(tmp_path, patched)
    assert "(pool): expected (2, 2, 2, 2, 0, 0), found (3, 2, 2, 2, 0, 0)" in message


def test_a_missing_model_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ModelFormatError, match="cannot read the face model"):
        load_face_net(tmp_path / "absent.dat")


# --- real faces ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dlib_analyzer() -> FaceAnalyzer:
    return FaceAnalyzer(encoder="dlib", min_face_px=40)


@pytest.fixture(scope="module")
def fast_analyzer() -> FaceAnalyzer:
    return FaceAnalyzer(encoder="fast", min_face_px=40)


def rgb_of(data: bytes) -> npt.NDArray[np.uint8]:
    return decode_image(data, max_bytes=20_000_000, max_pixels=25_000_000)


@pytest.mark.integration
def test_real_faces_get_dlibs_encodings(fast_analyzer: FaceAnalyzer, dlib_analyzer: FaceAnalyzer) -> None:
    encoded = 0
    for name in (OBAMA_TRAIN, BIDEN_TRAIN, OBAMA_PROBE, BIDEN_PROBE, TWO_PEOPLE):
        rgb = rgb_of(photo_bytes(name))
        for face in fast_analyzer.detect_thorough(rgb):
            ours, theirs = fast_analyzer.encode(rgb, face), dlib_analyzer.encode(rgb, face)
            assert np.abs(ours - theirs).max() < TOLERANCE, name
            encoded += 1
    assert encoded >= 6


@pytest.mark.integration
def test_templates_enrolled_with_dlib_match_kiosk_frames_exactly_as_before(
    fast_analyzer: FaceAnalyzer, dlib_analyzer: FaceAnalyzer
) -> None:
    gallery = Gallery(tolerance=0.5, margin=0.08)
    for person, name in (("obama", OBAMA_TRAIN), ("biden", BIDEN_TRAIN)):
        gallery.add(person, dlib_analyzer.enrollment_template(rgb_of(photo_bytes(name)))[1])
    for name, expected in ((OBAMA_PROBE, "obama"), (BIDEN_PROBE, "biden"), (TWO_PEOPLE, None)):
        frame = rgb_of(kiosk_frame(name))
        face = fast_analyzer.detect(frame)[0]
        before = gallery.match(dlib_analyzer.encode(frame, face))
        after = gallery.match(fast_analyzer.encode(frame, face))
        assert (after.person_id, after.candidate) == (before.person_id, before.candidate)
        assert after.distance == pytest.approx(before.distance, abs=1e-5)
        assert after.second_distance == pytest.approx(before.second_distance, abs=1e-5)
        if expected is not None:
            assert after.person_id == expected
