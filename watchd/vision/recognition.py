"""Face analysis in worker processes, gallery matching in the main process.

Detection and encoding are CPU-heavy and run in a process pool (or, with workers = 0 in tests,
in the calling thread). Each worker loads the models once and limits BLAS (the numpy encoder's
GEMMs) to one thread, since the pool already has one worker per core. Matching against the gallery is
one vectorised numpy operation and stays in the main process, where the gallery lives.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from watchd.settings.recognition import RecognitionSettings
from watchd.vision.faces import MODEL_VERSION, DetectedFace, Encoder, FaceAnalyzer
from watchd.vision.gallery import Gallery, Match
from watchd.vision.images import decode_image, encode_jpeg

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AnalyzerParams:
    detect_max_side: int
    min_face_px: int
    encoder: Encoder
    max_bytes: int
    max_pixels: int


@dataclass(frozen=True, slots=True)
class FramesAnalysis:
    """The largest face in each frame (None where there was none) and the encoding of the best frame."""

    faces: tuple[DetectedFace | None, ...]
    best_index: int | None
    encoding: npt.NDArray[np.float64] | None
    snapshot: bytes | None


@dataclass(frozen=True, slots=True)
class EnrollmentAnalysis:
    face: DetectedFace
    encoding: npt.NDArray[np.float64]


@lru_cache(maxsize=4)
def _cached_analyzer(detect_max_side: int, min_face_px: int, encoder: Encoder) -> FaceAnalyzer:
    return FaceAnalyzer(detect_max_side=detect_max_side, min_face_px=min_face_px, encoder=encoder)


def _analyzer(params: AnalyzerParams) -> FaceAnalyzer:
    return _cached_analyzer(params.detect_max_side, params.min_face_px, params.encoder)


def init_worker(params: AnalyzerParams) -> None:
    """Worker initializer: one BLAS thread per worker process, then load the models."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")  # stays in force for the life of the worker
    _analyzer(params)


def analyze_frames(params: AnalyzerParams, frames: Sequence[bytes], snapshot_side: int | None) -> FramesAnalysis:
    """Detect the largest face in every frame and encode the most frontal one. Runs in a worker."""
    analyzer = _analyzer(params)
    images = [decode_image(f, max_bytes=params.max_bytes, max_pixels=params.max_pixels) for f in frames]
    faces: list[DetectedFace | None] = []
    for rgb in images:
        found = analyzer.detect(rgb)
        faces.append(found[0] if found else None)
    candidates = [i for i, f in enumerate(faces) if f is not None]
    if not candidates:
        return FramesAnalysis(tuple(faces), None, None, None)
    best = min(candidates, key=lambda i: abs(faces[i].yaw))  # type: ignore[union-attr]
    face = faces[best]
    assert face is not None
    encoding = analyzer.encode(images[best], face)
    snapshot = encode_jpeg(_crop(images[best], face), max_side=snapshot_side) if snapshot_side else None
    return FramesAnalysis(tuple(faces), best, encoding, snapshot)


def analyze_enrollment(params: AnalyzerParams, photo: bytes) -> EnrollmentAnalysis:
    """Exactly one usable face, or ImageRejected / FaceRejected. Runs in a worker."""
    analyzer = _analyzer(params)
    rgb = decode_image(photo, max_bytes=params.max_bytes, max_pixels=params.max_pixels)
    face, encoding = analyzer.enrollment_template(rgb)
    return EnrollmentAnalysis(face, encoding)


def detect_rgb(params: AnalyzerParams, rgb: npt.NDArray[np.uint8]) -> list[DetectedFace]:
    return _analyzer(params).detect(rgb)


def encode_rgb(params: AnalyzerParams, rgb: npt.NDArray[np.uint8], face: DetectedFace) -> npt.NDArray[np.float64]:
    return _analyzer(params).encode(rgb, face)


def _crop(rgb: npt.NDArray[np.uint8], face: DetectedFace) -> npt.NDArray[np.uint8]:
    """The face with a margin of half its size, for a small check-in snapshot."""
    h, w = rgb.shape[:2]
    box = face.box
    pad_x, pad_y = (box.right - box.left) // 2, (box.bottom - box.top) // 2
    top, bottom = max(0, box.top - pad_y), min(h, box.bottom + pad_y)
    left, right = max(0, box.left - pad_x), min(w, box.right + pad_x)
    return np.ascontiguousarray(rgb[top:bottom, left:right])


class _InlineExecutor(Executor):
    """Runs work in the calling thread (workers = 0): for tests and one-shot CLI commands."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        from concurrent.futures import Future

        future: Future[object] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


class RecognitionEngine:
    """The face gallery plus the workers that analyse images."""

    model_version = MODEL_VERSION

    def __init__(self, settings: RecognitionSettings, *, workers: int | None = None) -> None:
        self.settings = settings
        self.params = AnalyzerParams(
            detect_max_side=settings.detect_max_side,
            min_face_px=settings.min_face_px,
            encoder=settings.encoder,
            max_bytes=settings.max_upload_bytes,
            max_pixels=settings.max_pixels,
        )
        self.gallery = Gallery(tolerance=settings.tolerance, margin=settings.margin)
        count = settings.workers if workers is None else workers
        self._executor: Executor
        if count == 0:
            self._executor = _InlineExecutor()
        else:
            ctx = multiprocessing.get_context("forkserver")
            self._executor = ProcessPoolExecutor(
                max_workers=count, mp_context=ctx, initializer=init_worker, initargs=(self.params,)
            )

    def detect_rgb(self, rgb: npt.NDArray[np.uint8]) -> list[DetectedFace]:
        return self._executor.submit(detect_rgb, self.params, rgb).result()

    def encode_rgb(self, rgb: npt.NDArray[np.uint8], face: DetectedFace) -> npt.NDArray[np.float64]:
        return self._executor.submit(encode_rgb, self.params, rgb, face).result()

    def analyze_frames(self, frames: Sequence[bytes], *, snapshot_side: int | None) -> FramesAnalysis:
        return self._executor.submit(analyze_frames, self.params, list(frames), snapshot_side).result()

    def analyze_enrollment(self, photo: bytes) -> EnrollmentAnalysis:
        return self._executor.submit(analyze_enrollment, self.params, photo).result()

    def match(self, encoding: npt.NDArray[np.float64]) -> Match:
        return self.gallery.match(encoding)

    def load_gallery(self, rows: Sequence[tuple[str, bytes]]) -> None:
        ids = [person_id for person_id, _ in rows]
        matrix = (
            np.frombuffer(b"".join(e for _, e in rows), dtype="<f8").reshape(len(rows), 128)
            if rows
            else np.zeros((0, 128), dtype=np.float64)
        )
        self.gallery.replace(ids, matrix)
        log.info("face gallery loaded: %d templates of %d people", len(ids), len(set(ids)))

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def encoding_to_bytes(encoding: npt.NDArray[np.float64]) -> bytes:
    return np.asarray(encoding, dtype="<f8").tobytes()
