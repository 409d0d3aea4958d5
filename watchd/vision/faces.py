"""Face detection, 5-point landmarks and 128-d encodings with dlib's public-domain models.

The models are face_recognition's (HOG detector, 5-point shape predictor, ResNet encoder), used
through dlib directly: `import face_recognition` would also load the CNN detector and the 68-point
model, and it switches on Pillow's LOAD_TRUNCATED_IMAGES for the whole process.

Encoding: dlib cuts the aligned 150x150 face chip (get_face_chip, as compute_face_descriptor does
for one jitter); the ResNet then runs in numpy (watchd.vision.face_net, encoder = "fast") or in
dlib (encoder = "dlib"). Both give the same encodings to ~1e-6, so templates are interchangeable.

Measured here (dlib-bin 20.0.1, numpy's OpenBLAS on one thread, bench/recognition.py): encoding
takes ~16 ms with the numpy encoder against ~88 ms with dlib's (one core, 36 real faces); HOG
detection releases the GIL (a Python thread keeps ~96 % of its speed meanwhile), dlib's encoder
holds it (~5-10 %), the numpy encoder mostly releases it (~70 %). Worker processes, one per core
with BLAS on one thread, remain the way to use several cores.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import cv2
import dlib
import numpy as np
import numpy.typing as npt

from watchd.vision.face_net import CHIP_SIZE, load_face_net

if TYPE_CHECKING:
    from watchd.settings.recognition import RecognitionSettings

__all__ = [
    "MODEL_VERSION",
    "DetectedFace",
    "Encoder",
    "FaceAnalyzer",
    "FaceBox",
    "FaceRejected",
    "yaw_ratio",
]

#: Stored with every template: encodings from another model or pipeline are not comparable.
MODEL_VERSION: Final = "dlib-resnet-v1/hog/5pt"

#: "fast": the ResNet in numpy (watchd.vision.face_net); "dlib": dlib's own, ~5x slower, holds the GIL.
Encoder = Literal["fast", "dlib"]
#: Margin around the face in the aligned chip: compute_face_descriptor's default.
CHIP_PADDING: Final = 0.25

#: dlib's frontal HOG detector scans an 80x80 window: at a scale s and u upsamplings it finds faces
#: down to about HOG_WINDOW / (s * 2**u) pixels of the original image.
HOG_WINDOW: Final = 80
#: detect_thorough() shrinks images to this longest side, then upsamples once (twice when small).
THOROUGH_MAX_SIDE: Final = 1600
#: A second face at least this fraction of min_face_px wide makes an enrolment photo ambiguous.
SECOND_FACE_FRACTION: Final = 0.5


@dataclass(frozen=True, slots=True)
class FaceBox:
    """A face rectangle in pixels of the original image, ordered like face_recognition's locations."""

    top: int
    right: int
    bottom: int
    left: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def centre(self) -> tuple[float, float]:
        """(x, y) of the box centre."""
        return ((self.left + self.right) / 2.0, (self.top + self.bottom) / 2.0)


@dataclass(frozen=True, slots=True)
class DetectedFace:
    """A face, its 5 landmarks (x, y) in original pixels and its yaw ratio (see yaw_ratio)."""

    box: FaceBox
    landmarks: tuple[tuple[float, float], ...]
    yaw: float


class FaceRejected(ValueError):
    """No usable single face. `code`: "no_face", "several_faces" or "face_too_small"."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True, slots=True)
class _Step:
    scale: float
    upsample: int


def _face_models() -> Any:
    """The face_recognition_models package, imported without its pkg_resources deprecation warning.

    It calls `pkg_resources.resource_filename` (setuptools<81 is pinned for that); importing
    pkg_resources warns on every run, which a user can do nothing about. Only that warning, and
    only around this import, is silenced.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="pkg_resources")
        import face_recognition_models

    return face_recognition_models


class FaceAnalyzer:
    """Loads the dlib models once (~0.5 s); then every method is a pure function of its arguments.

    Safe to share between threads, but only detection runs in parallel (see the module notes).
    """

    def __init__(self, *, detect_max_side: int = 320, min_face_px: int = 80, encoder: Encoder = "fast") -> None:
        models = _face_models()

        if detect_max_side < HOG_WINDOW or min_face_px < 1:
            raise ValueError(f"bad detect_max_side {detect_max_side} or min_face_px {min_face_px}")
        self.detect_max_side = detect_max_side
        self.min_face_px = min_face_px
        self.encoder = encoder
        self._detector = dlib.get_frontal_face_detector()
        self._predictor = dlib.shape_predictor(models.pose_predictor_five_point_model_location())
        model = Path(models.face_recognition_model_location())
        if encoder == "fast":
            self._net = load_face_net(model)
        elif encoder == "dlib":
            self._dlib_encoder = dlib.face_recognition_model_v1(str(model))
        else:
            raise ValueError(f"unknown encoder {encoder!r}: expected 'fast' or 'dlib'")

    @classmethod
    def from_settings(cls, settings: RecognitionSettings) -> FaceAnalyzer:
        return cls(
            detect_max_side=settings.detect_max_side, min_face_px=settings.min_face_px, encoder=settings.encoder
        )

    def detect(self, rgb: npt.NDArray[np.uint8]) -> list[DetectedFace]:
        """Faces at least min_face_px wide, largest first: the fast kiosk path.

        Detection runs on a copy shrunk to detect_max_side; if that finds nothing, on larger
        copies, down to the scale where a face of min_face_px is within the detector's reach.
        Landmarks come from the original image, so encodings keep its full resolution.
        """
        image = _checked(rgb)
        for step in self._fast_plan(max(image.shape[:2])):
            faces = [f for f in self._detect_at(image, step) if f.box.width >= self.min_face_px]
            if faces:
                return faces
        return []

    def detect_thorough(self, rgb: npt.NDArray[np.uint8]) -> list[DetectedFace]:
        """Every face, however small, largest first: for enrolment, where a second face matters."""
        image = _checked(rgb)
        long_side = max(image.shape[:2])
        scale = min(1.0, THOROUGH_MAX_SIDE / long_side)
        upsample = 2 if long_side * scale < THOROUGH_MAX_SIDE / 2 else 1
        return self._detect_at(image, _Step(scale, upsample))

    def encode(self, rgb: npt.NDArray[np.uint8], face: DetectedFace) -> npt.NDArray[np.float64]:
        """The 128-d encoding of a face found in this same image (face_recognition's model, 1 jitter)."""
        image = _checked(rgb)
        box = face.box
        rect = dlib.rectangle(box.left, box.top, box.right, box.bottom)
        points = dlib.points([dlib.point(round(x), round(y)) for x, y in face.landmarks])
        shape = dlib.full_object_detection(rect, points)
        if self.encoder == "dlib":
            return np.array(self._dlib_encoder.compute_face_descriptor(image, shape, 1), dtype=np.float64)
        chip = np.asarray(dlib.get_face_chip(image, shape, size=CHIP_SIZE, padding=CHIP_PADDING), dtype=np.uint8)
        return np.asarray(self._net.describe(chip[np.newaxis])[0], dtype=np.float64)

    def enrollment_template(self, rgb: npt.NDArray[np.uint8]) -> tuple[DetectedFace, npt.NDArray[np.float64]]:
        """The one face of an enrolment photo and its encoding, or FaceRejected."""
        faces = self.detect_thorough(rgb)
        if not faces:
            raise FaceRejected("no_face", "no face found in the photo")
        face = faces[0]
        others = [f for f in faces[1:] if f.box.width >= SECOND_FACE_FRACTION * self.min_face_px]
        if others:
            raise FaceRejected(
                "several_faces", f"{1 + len(others)} faces found; the photo must show one person"
            )
        if face.box.width < self.min_face_px:
            raise FaceRejected(
                "face_too_small",
                f"the face is {face.box.width} px wide, at least {self.min_face_px} are needed",
            )
        return face, self.encode(rgb, face)

    def _fast_plan(self, long_side: int) -> list[_Step]:
        """Scales to try in turn: detect_max_side, twice that, then what reaches min_face_px."""
        steps: list[_Step] = []
        for factor in (1, 2):
            scale = min(1.0, factor * self.detect_max_side / long_side)
            if not steps or scale > steps[-1].scale:
                steps.append(_Step(scale, 0))
        needed = HOG_WINDOW / self.min_face_px  # effective scale at which min_face_px is detectable
        if steps[-1].scale < needed:
            upsample = max(0, math.ceil(math.log2(needed)))
            steps.append(_Step(min(1.0, needed / 2**upsample), upsample))
        return steps

    def _detect_at(self, image: npt.NDArray[np.uint8], step: _Step) -> list[DetectedFace]:
        height, width = image.shape[:2]
        small = image
        if step.scale < 1.0:
            size = (max(1, round(width * step.scale)), max(1, round(height * step.scale)))
            small = np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
        sx, sy = width / small.shape[1], height / small.shape[0]
        faces = []
        for rect in self._detector(small, step.upsample):
            box = FaceBox(
                top=max(0, round(rect.top() * sy)),
                right=min(width, round(rect.right() * sx)),
                bottom=min(height, round(rect.bottom() * sy)),
                left=max(0, round(rect.left() * sx)),
            )
            if box.width > 0 and box.height > 0:
                faces.append(self._describe(image, box))
        faces.sort(key=lambda f: f.box.width * f.box.height, reverse=True)
        return faces

    def _describe(self, image: npt.NDArray[np.uint8], box: FaceBox) -> DetectedFace:
        shape = self._predictor(image, dlib.rectangle(box.left, box.top, box.right, box.bottom))
        landmarks = tuple((float(p.x), float(p.y)) for p in shape.parts())
        return DetectedFace(box=box, landmarks=landmarks, yaw=yaw_ratio(landmarks))


def _checked(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an RGB uint8 image, got {rgb.dtype} {rgb.shape}")
    return np.ascontiguousarray(rgb)


def yaw_ratio(landmarks: Sequence[tuple[float, float]]) -> float:
    """How far the nose tip sits from the eye midpoint, along the eye line, in eye distances.

    Points are dlib's 5-point layout: 0-1 the corners of the eye on the image's right, 2-3 those
    of the eye on the image's left, 4 the bottom of the nose. About 0 for a frontal face.
    Positive when the nose is towards the image's right of the eyes, which for an unmirrored
    camera means the person turned to THEIR left; negative for a turn to their right. (A
    mirrored, selfie-style preview shows it the other way round; the frames sent must be raw.)
    Measured along the eye line rather than along x, so a tilted (rolled) head reads the same.
    """
    pts = np.asarray(landmarks, dtype=np.float64)
    if pts.shape != (5, 2):
        raise ValueError(f"expected 5 (x, y) landmarks, got shape {pts.shape}")
    eye_right_of_image = pts[0:2].mean(axis=0)
    eye_left_of_image = pts[2:4].mean(axis=0)
    axis = eye_right_of_image - eye_left_of_image
    eye_distance_sq = float(axis @ axis)
    if eye_distance_sq < 1e-12:
        return 0.0
    midpoint = (eye_right_of_image + eye_left_of_image) / 2.0
    return float((pts[4] - midpoint) @ axis / eye_distance_sq)
