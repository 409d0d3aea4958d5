"""No ghosts after start-up or a reconnect: the background is then the first picture, people are in
it, and the spots they walk away from must not raise events - while a person already in view who
moves is still reported within 3 s. Real footage (vtest: people walk across a square all along),
judged against the empty square (the median of the whole clip), which the detector never sees."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache

import cv2
import numpy as np
import pytest

from tests.watchd.camera.conftest import FakeVideoStream, Luma, camera, footage
from watchd.pipeline.camera_watch.loop import CameraLoop, LoopEvent

Picture = tuple[float, bool, Luma]
Box = tuple[float, float, float, float]


@cache
def empty_square(video: str) -> Luma:
    """The scene without people: each pixel's median over the clip (people keep walking)."""
    stack = np.stack([y for _, _, y in footage(video)[::10]])
    return np.asarray(np.median(stack, axis=0), dtype=np.uint8)


def really_there(picture: Luma, box: Box, video: str = "vtest.avi") -> float:
    """Share of the box where the picture differs from the empty square: somebody is there."""
    blur = cv2.GaussianBlur(picture, (5, 5), 0).astype(np.int16)
    empty = cv2.GaussianBlur(empty_square(video), (5, 5), 0).astype(np.int16)
    someone = cv2.dilate((np.abs(blur - empty) > 25).astype(np.uint8), np.ones((5, 5), np.uint8))
    h, w = someone.shape
    x, y, bw, bh = box
    return float(someone[int(y * h):int((y + bh) * h) + 1, int(x * w):int((x + bw) * w) + 1].mean())


def connection(from_s: float, video: str = "vtest.avi") -> list[Picture]:
    """The clip as a camera connected at `from_s` sends it: its own timeline, a keyframe every 2 s."""
    pictures = [p for p in footage(video) if p[0] >= from_s - 1e-6]
    return [(t - from_s, i % 20 == 0, y) for i, (t, _, y) in enumerate(pictures)]


def watch(connections: Sequence[list[Picture]]) -> list[list[tuple[LoopEvent, float, Luma]]]:
    """Event starts of one camera per connection (a reconnect between them), each with the media
    time it was reported at and the picture it was reported on."""
    got: list[list[tuple[LoopEvent, float, Luma]]] = []
    streams: list[FakeVideoStream] = []

    def emit(event: LoopEvent) -> None:
        if event.kind == "motion" and event.phase == "start":
            assert streams[-1].last is not None
            got[-1].append((event, loop.media_now, streams[-1].last))

    loop = CameraLoop(camera(), emit=emit, clock=lambda: datetime(2026, 11, 23, tzinfo=UTC), media_dir=None)
    for pictures in connections:
        streams.append(FakeVideoStream(pictures))
        got.append([])
        loop.run(streams[-1], threading.Event())
    return got


@pytest.mark.parametrize(("video", "from_s"), [
    ("vtest.avi", 0.0), ("vtest_h264_gop2s.mp4", 0.0), ("vtest.avi", 20.0), ("vtest.avi", 55.0),
])
def test_after_start_up_every_outlined_object_is_really_there(video: str, from_s: float) -> None:
    [starts] = watch([connection(from_s, video)])
    reported_at = starts[0][1]
    assert reported_at <= 3.0  # people already in view who walk on are reported at once
    for event, _, picture in starts:
        assert event.boxes, "an event outlines what moves"
        # Before the fix a third of the boxes outlined empty ground where someone stood at the start.
        assert [b for b in event.boxes if really_there(picture, b, video) < 0.15] == []


def test_after_a_reconnect_every_outlined_object_is_really_there() -> None:
    before = connection(0.0)[:150]  # 15 s, then the connection drops and comes back at 60 s
    first, again = watch([before, connection(60.0)])
    assert first and again and again[0][1] <= 3.0  # after the reconnect, people walking are reported at once
    for event, _, picture in again:
        assert [b for b in event.boxes if really_there(picture, b) < 0.15] == []
