"""Fixtures for the vision tests: the dlib models are loaded once per session."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from watchd.vision.faces import FaceAnalyzer


@pytest.fixture(scope="session")
def analyzer() -> FaceAnalyzer:
    """The kiosk defaults: detect_max_side 320, min_face_px 80."""
    return FaceAnalyzer()


@pytest.fixture(scope="session")
def face_recognition_api() -> Any:
    """The face_recognition module, as the reference. Importing it switches on Pillow's
    LOAD_TRUNCATED_IMAGES for the whole process; switch that back so no other test is affected."""
    from PIL import ImageFile

    saved = ImageFile.LOAD_TRUNCATED_IMAGES
    import face_recognition

    ImageFile.LOAD_TRUNCATED_IMAGES = saved
    return face_recognition


@pytest.fixture(scope="session")
def face_distance(face_recognition_api: Any) -> Callable[..., Any]:
    return face_recognition_api.face_distance  # type: ignore[no-any-return]
