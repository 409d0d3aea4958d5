"""Per-frame ground truth -> intrusion intervals (bench/footage/labels.py), on hand-made mask sequences."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from footage.labels import ClipLabels, Interval, TrackParams, intrusions_from_tracks, track_objects

FPS = 10.0
H, W = 120, 160


def masks(length: int, *objects: tuple[int, int, int, int, int, int]) -> list[tuple[int, np.ndarray]]:
    """Frames 1..length; each object (first, last, x, y, size, dx) is a square moving dx pixels a frame."""
    out = []
    for n in range(1, length + 1):
        mask = np.zeros((H, W), dtype=bool)
        for first, last, x, y, size, dx in objects:
            if first <= n <= last:
                x0 = x + dx * (n - first)
                mask[y : y + size, x0 : x0 + size] = True
        out.append((n, mask))
    return out


def intrusions(seq: list[tuple[int, np.ndarray]], labelled_from: int = 1) -> tuple[list[Interval], list[Interval]]:
    params = TrackParams()
    tracks = track_objects(seq, FPS, params)
    return intrusions_from_tracks(tracks, fps=FPS, first_frame=1, labelled_from=labelled_from, shape=(H, W),
                                  what="person", params=params)


def test_two_objects_entering_apart_are_two_intrusions_even_while_the_first_is_there() -> None:
    found, unscored = intrusions(masks(80, (11, 60, 5, 10, 12, 1), (31, 70, 120, 90, 12, -1)))

    assert [(i.start_s, i.end_s) for i in found] == [(1.0, 5.9), (3.0, 6.9)]
    assert found[0].what == "person"
    assert found[1].box == (0.75, 0.75, 0.075, 0.1)  # where the second one came in
    assert unscored == []


def test_an_object_already_there_when_labels_begin_is_unscored() -> None:
    found, unscored = intrusions(masks(50, (1, 50, 20, 20, 12, 0), (21, 40, 120, 20, 12, 0)), labelled_from=1)

    assert [(i.start_s, i.end_s) for i in unscored] == [(0.0, 4.9)]
    assert [i.start_s for i in found] == [2.0]


def test_specks_below_the_smallest_object_and_blips_shorter_than_half_a_second_are_not_intrusions() -> None:
    speck = (10, 60, 50, 50, 4, 0)  # 16 px < 0.2 % of 160x120 (39 px)
    blip = (20, 23, 100, 30, 12, 0)  # 4 frames = 0.4 s
    found, _ = intrusions(masks(70, speck, blip))

    assert found == []


def test_objects_entering_within_a_second_of_each_other_are_one_intrusion() -> None:
    found, _ = intrusions(masks(60, (11, 40, 5, 10, 12, 1), (18, 50, 120, 90, 12, -1)))

    assert [(i.start_s, i.end_s) for i in found] == [(1.0, 4.9)]


def test_an_object_coming_in_at_the_edge_behind_one_followed_for_a_while_is_its_own_intrusion() -> None:
    first = (11, 60, 0, 40, 14, 1)  # enters at the left edge and drives on
    behind = (24, 60, 0, 40, 12, 1)  # 1.3 s later, a pixel behind it, also at the edge
    found, _ = intrusions(masks(70, first, behind))

    assert [i.start_s for i in found] == [1.0, 2.3]
    assert found[1].box == (0.0, 0.333, 0.075, 0.1)


def test_a_region_splitting_off_an_object_is_not_an_entry_and_a_short_gap_keeps_identity() -> None:
    car = (11, 60, 20, 40, 16, 0)
    person = (30, 60, 37, 40, 10, 1)  # touches the car, then walks away from it
    seq = masks(60, car, person)
    for n in (45, 46, 47):  # the car's mask has a 0.3 s hole (occlusion)
        seq[n - 1][1][40:56, 20:36] = False
    found, _ = intrusions(seq)

    assert [i.start_s for i in found] == [1.0]


def test_a_labels_file_round_trips_and_a_broken_one_names_the_file(tmp_path: Path) -> None:
    labels = ClipLabels("c", "c.mp4", 4.0, 0.0, 70.0, (Interval(60.5, 71.5, "person", (0.1, 0.2, 0.3, 0.4)),),
                        scenario=("trees in wind",), how="script", source={"repo": "o/n"})
    labels.save(tmp_path / "c.labels.json")
    assert ClipLabels.load(tmp_path / "c.labels.json") == labels

    broken = tmp_path / "b.labels.json"
    broken.write_text('{"clip": "b", "video": "b.mp4"}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"b\.labels\.json: not a labels file .*fps"):
        ClipLabels.load(broken)
