"""Gallery matching: face_recognition's distances, the tolerance and margin rules, updates."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from watchd.vision.gallery import Gallery, Match

NORM = 1.43  # real dlib encodings have norms of about 1.4


def unit(rng: np.random.Generator, n: int | None = None) -> npt.NDArray[np.float64]:
    v = rng.standard_normal((n or 1, 128))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v if n else v[0]


def at_distance(
    probe: npt.NDArray[np.float64], distance: float, rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    return probe + distance * unit(rng)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(2024)


def test_distances_are_face_recognitions_own(
    rng: np.random.Generator, face_distance: Callable[..., Any]
) -> None:
    people = [f"p{i}" for i in range(300)]
    row_people = [p for p in people for _ in range(1 + int(p[1:]) % 3)]  # 1 to 3 templates each
    templates = NORM * unit(rng, len(row_people))
    gallery = Gallery(tolerance=0.6, margin=0.0)
    gallery.replace(row_people, templates)
    owners = np.array(row_people)
    probes = np.concatenate(
        [
            templates[rng.integers(0, len(templates), 40)] + rng.normal(0, 0.03, (40, 128)),
            NORM * unit(rng, 40),
        ]
    )
    for probe in probes:
        distances = face_distance(templates, probe)
        nearest_row = int(np.argmin(distances))
        best_person = owners[nearest_row]
        match = gallery.match(probe)
        assert match.candidate == best_person
        assert match.distance == distances[nearest_row]
        assert match.second_distance == distances[owners != best_person].min()
        assert (match.person_id == best_person) == (distances[nearest_row] < 0.6)


def test_near_ties_that_float32_cannot_tell_apart_are_ranked_exactly(
    rng: np.random.Generator, face_distance: Callable[..., Any]
) -> None:
    probe = NORM * unit(rng)
    direction = unit(rng)
    closer, farther = probe + 0.4 * direction, probe + (0.4 + 2e-9) * direction
    crowd = NORM * unit(rng, 2000)
    for order in ((closer, farther), (farther, closer)):
        gallery = Gallery(tolerance=0.5, margin=0.0)
        names = ["near", "far"] if order[0] is closer else ["far", "near"]
        gallery.replace([*names, *(f"c{i}" for i in range(len(crowd)))], np.vstack([*order, crowd]))
        match = gallery.match(probe)
        assert match.candidate == "near"
        assert match.distance == face_distance(np.array([closer]), probe)[0]
        assert match.second_distance == face_distance(np.array([farther]), probe)[0]


def test_a_person_is_accepted_only_clearly_ahead_of_the_runner_up(rng: np.random.Generator) -> None:
    probe = NORM * unit(rng)
    gallery = Gallery(tolerance=0.5, margin=0.08)
    gallery.replace(
        ["anna", "bao"], np.vstack([at_distance(probe, 0.30, rng), at_distance(probe, 0.35, rng)])
    )
    ambiguous = gallery.match(probe)
    assert ambiguous.person_id is None
    assert ambiguous.candidate == "anna"
    assert ambiguous.distance == pytest.approx(0.30)
    assert ambiguous.second_distance == pytest.approx(0.35)

    gallery.replace(
        ["anna", "bao"], np.vstack([at_distance(probe, 0.30, rng), at_distance(probe, 0.40, rng)])
    )
    assert gallery.match(probe).person_id == "anna"


def test_the_runner_up_is_another_person_not_a_second_photo_of_the_same(rng: np.random.Generator) -> None:
    probe = NORM * unit(rng)
    gallery = Gallery(tolerance=0.5, margin=0.08)
    gallery.add("anna", np.vstack([at_distance(probe, 0.30, rng), at_distance(probe, 0.32, rng)]))
    gallery.add("bao", at_distance(probe, 0.45, rng))
    match = gallery.match(probe)
    assert match.person_id == "anna"
    assert match.second_distance == pytest.approx(0.45)


def test_tolerance_is_a_strict_limit(rng: np.random.Generator) -> None:
    probe = NORM * unit(rng)
    template = at_distance(probe, 0.5, rng)
    gallery = Gallery(tolerance=float(np.linalg.norm(template - probe)), margin=0.08)
    gallery.add("anna", template)
    match = gallery.match(probe)
    assert match.person_id is None
    assert match.candidate == "anna"
    assert match.second_distance is None


def test_add_remove_and_replace_change_who_is_recognised(rng: np.random.Generator) -> None:
    probe_anna, probe_bao = NORM * unit(rng), NORM * unit(rng)
    gallery = Gallery(tolerance=0.5, margin=0.08)
    assert len(gallery) == 0
    assert gallery.match(probe_anna) == Match(None, None, None, None)

    gallery.add("anna", at_distance(probe_anna, 0.2, rng))
    gallery.add("bao", np.vstack([at_distance(probe_bao, 0.2, rng), at_distance(probe_bao, 0.25, rng)]))
    assert len(gallery) == 3
    assert gallery.match(probe_anna).person_id == "anna"
    assert gallery.match(probe_bao).person_id == "bao"

    gallery.remove("anna")
    assert len(gallery) == 2
    after = gallery.match(probe_anna)
    assert after.person_id is None and after.candidate == "bao"
    gallery.remove("nobody")  # no error
    gallery.add("bao", at_distance(probe_anna, 0.1, rng))  # a third template for bao
    assert len(gallery) == 3
    assert gallery.match(probe_anna).person_id == "bao"

    gallery.replace(["chen"], at_distance(probe_bao, 0.3, rng)[None, :])
    assert len(gallery) == 1
    assert gallery.match(probe_bao).person_id == "chen"
    assert gallery.match(probe_anna).candidate == "chen"

    gallery.replace([], np.zeros((0, 128)))
    assert len(gallery) == 0
    assert gallery.match(probe_bao) == Match(None, None, None, None)


def test_malformed_encodings_are_refused(rng: np.random.Generator) -> None:
    gallery = Gallery(tolerance=0.5, margin=0.08)
    with pytest.raises(ValueError, match="person ids"):
        gallery.replace(["a", "b"], NORM * unit(rng, 3))
    with pytest.raises(ValueError, match="128"):
        gallery.add("a", np.zeros(64))
    with pytest.raises(ValueError, match="finite"):
        gallery.add("a", np.full(128, np.nan))
    with pytest.raises(ValueError, match="128"):
        gallery.match(np.zeros(127))
    assert len(gallery) == 0


def test_readers_see_the_old_or_the_new_gallery_never_a_mix(rng: np.random.Generator) -> None:
    probe = NORM * unit(rng)
    old = (["anna"] * 50, np.vstack([at_distance(probe, 0.2, rng)] + [NORM * unit(rng) for _ in range(49)]))
    new = (["bao"] * 500, np.vstack([at_distance(probe, 0.3, rng)] + [NORM * unit(rng) for _ in range(499)]))
    gallery = Gallery(tolerance=0.5, margin=0.08)
    gallery.replace(*old)
    stop = threading.Event()

    def writer() -> None:
        while not stop.is_set():
            gallery.replace(*new)
            gallery.replace(*old)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        seen = {(m.person_id, round(m.distance or 0, 6)) for m in (gallery.match(probe) for _ in range(300))}
    finally:
        stop.set()
        thread.join()
    assert seen <= {("anna", 0.2), ("bao", 0.3)}
