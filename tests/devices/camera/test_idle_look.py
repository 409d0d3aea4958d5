"""A quiet camera is looked at every 2 s at most, never less often: while nothing moves only
keyframes are decoded, and a camera sending one every second has every other one skipped (half
the CPU), while one sending them every 1.5 s has each decoded (skipping one would leave it blind
for 3 s). The pictures the stream hands out show it."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from devices.registry import CameraConfig, open_video_stream

FPS = 10


def clip(tmp_path: Path, gop_pictures: int, seconds: int = 12) -> Path:
    """An H.264 file with a keyframe every `gop_pictures` pictures (a grey picture with sensor noise)."""
    path = tmp_path / f"gop{gop_pictures}.mp4"
    rng = np.random.default_rng(7)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        stream.options = {"g": str(gop_pictures), "keyint_min": str(gop_pictures), "sc_threshold": "0", "bf": "0",
                          "preset": "ultrafast"}
        for n in range(seconds * FPS):
            grey = (rng.normal(120, 4, (180, 320, 3))).clip(0, 255).astype(np.uint8)
            frame = av.VideoFrame.from_ndarray(grey, format="rgb24")
            frame.pts, frame.time_base = n, Fraction(1, FPS)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def idle_looks(path: Path) -> list[float]:
    """Media times of the pictures a quiet camera's stream decodes."""
    stream = open_video_stream(CameraConfig(kind="camera", id="c", site="s", source=str(path)), realtime=False)
    try:
        stream.set_keyframes_only(True)
        times = []
        while (picture := stream.read()) is not None:
            times.append(round(picture.pts_s, 2))
        return times
    finally:
        stream.close()


@pytest.mark.parametrize(
    ("gop_pictures", "looks"),
    [
        (10, [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]),  # a keyframe every second: every other one
        (5, [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]),  # every half second: every fourth
        (15, [0.0, 1.5, 3.0, 4.5, 6.0, 7.5, 9.0, 10.5]),  # every 1.5 s: each, never 3 s blind
        (20, [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]),  # every 2 s: each
    ],
)
def test_a_quiet_camera_is_looked_at_every_two_seconds_at_most(
    tmp_path: Path, gop_pictures: int, looks: list[float]
) -> None:
    assert idle_looks(clip(tmp_path, gop_pictures)) == looks
