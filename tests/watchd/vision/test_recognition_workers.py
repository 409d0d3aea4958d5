"""The daemon analyses faces in worker processes: results and refusals cross the process boundary intact."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

import pytest
from threadpoolctl import threadpool_info

from tests.faces import OBAMA_PROBE, TWO_PEOPLE, kiosk_frame, photo_bytes
from watchd.settings.recognition import RecognitionSettings
from watchd.vision.faces import FaceRejected
from watchd.vision.images import ImageRejected
from watchd.vision.recognition import RecognitionEngine, init_worker


@pytest.fixture(scope="module")
def engine() -> Iterator[RecognitionEngine]:
    e = RecognitionEngine(RecognitionSettings(), workers=1)
    yield e
    e.close()


def test_frames_are_analysed_in_a_worker_process(engine: RecognitionEngine) -> None:
    frame = kiosk_frame(OBAMA_PROBE)
    analysis = engine.analyze_frames([frame, frame], snapshot_side=120)
    assert analysis.best_index is not None and analysis.encoding is not None
    assert analysis.encoding.shape == (128,)
    assert analysis.snapshot is not None and analysis.snapshot[:2] == b"\xff\xd8"
    assert all(f is not None for f in analysis.faces)


def test_refusals_keep_their_reason_across_processes(engine: RecognitionEngine) -> None:
    with pytest.raises(ImageRejected) as bad_image:
        engine.analyze_frames([b"junk" * 10], snapshot_side=None)
    assert bad_image.value.code == "not_an_image"
    with pytest.raises(FaceRejected) as two_faces:
        engine.analyze_enrollment(photo_bytes(TWO_PEOPLE))
    assert two_faces.value.code == "several_faces"


def blas_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


def test_a_recognition_worker_runs_blas_on_one_thread() -> None:
    """One worker per core: the numpy encoder's GEMMs must not spread over the other cores."""
    params = RecognitionEngine(RecognitionSettings(), workers=0).params
    ctx = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(1, mp_context=ctx, initializer=init_worker, initargs=(params,)) as pool:
        threads = pool.submit(blas_threads).result(timeout=120)
    assert threads and set(threads) == {1}
