"""Tamper on real footage: a covered or defocused camera is reported; people and light changes are not."""

from __future__ import annotations

import cv2
import numpy as np

from tests.watchd.camera.conftest import Luma, camera, footage, play, starts


def _clip() -> list[tuple[float, bool, Luma]]:
    return [p for p in footage("vtest.avi") if p[0] < 60]


def test_a_covered_lens_is_reported_after_the_hold_and_cleared_when_uncovered() -> None:
    rng = np.random.default_rng(1)

    def covered(t: float, y: Luma) -> Luma:
        if 20 <= t < 45:
            return np.clip(14 + rng.normal(0, 1.5, y.shape), 0, 255).astype(np.uint8)
        return y

    events, _ = play(_clip(), camera(tamper_after_s=5), transform=covered)
    tamper = [e for e in events if e.kind == "tamper"]
    assert [(e.phase, e.reason) for e in tamper] == [("start", "covered"), ("end", "covered")]
    assert 20 <= tamper[0].media_s <= 21
    assert tamper[1].key == tamper[0].key


def test_a_defocused_lens_is_reported() -> None:
    def blurred(t: float, y: Luma) -> Luma:
        return y if t < 20 else np.asarray(cv2.GaussianBlur(y, (0, 0), 6), np.uint8)

    events, _ = play(_clip(), camera(tamper_after_s=5), transform=blurred)
    assert [e.reason for e in starts(events, "tamper")] == ["defocused"]


def test_a_camera_turned_away_is_reported() -> None:
    other = footage("tree_sway.avi", width=384)

    def turned(t: float, y: Luma) -> Luma:
        if t < 20:
            return y
        tree = other[int(t * 15) % len(other)][2]
        return np.asarray(cv2.resize(tree, (y.shape[1], y.shape[0])), np.uint8)

    events, _ = play(_clip(), camera(tamper_after_s=5), transform=turned)
    assert "moved" in [e.reason for e in starts(events, "tamper")]


def test_people_walking_and_lights_changing_never_look_like_tamper() -> None:
    def lights(t: float, y: Luma) -> Luma:
        return y if int(t // 10) % 2 == 0 else np.clip(y.astype(np.int16) // 2 + 5, 0, 255).astype(np.uint8)

    events, _ = play(_clip(), camera(tamper_after_s=5), transform=lights)
    assert starts(events, "tamper") == []
