"""A camera whose stream turns to garbage mid-way: the damage is logged and visible in the status, the camera
goes offline only while no picture can be had, it recovers by itself when the data is good again, and another
camera of the same watch never notices."""

from __future__ import annotations

import itertools
import logging
import random
from collections.abc import Callable
from pathlib import Path

import av
import av.video.stream
import cv2
import numpy as np
import pytest

from devices.registry import CameraConfig, open_video_stream
from tests.devices.camera.test_mjpeg_http import Scene, frames, observed, run, until, watch_cameras
from tests.fakes.mjpeg_server import MjpegServer
from tests.helpers.sinks import Observations
from tests.watchd.camera.test_camera_events_api import CAMERA
from watchd.app import Services
from watchd.pipeline.camera_watch.watch import CameraWatchService

FPS = 10
SECONDS = 8


def write_video(path: Path, container: str, codec: str) -> None:
    """SECONDS of a bright object crossing a still scene, 320x240 at FPS, a keyframe every second."""
    scene = Scene()
    with av.open(str(path), "w", format=container) as out:
        stream = out.add_stream(codec, rate=FPS)
        assert isinstance(stream, av.video.stream.VideoStream)
        stream.width, stream.height = 320, 240
        stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
        if codec == "libx264":
            stream.options = {"g": str(FPS), "keyint_min": str(FPS), "sc_threshold": "0", "bf": "0"}
        for i in range(SECONDS * FPS):
            picture = scene.render()
            x = 10 + 3 * i
            cv2.rectangle(picture, (x, 80), (x + 30, 140), 220, thickness=-1)
            frame = av.VideoFrame.from_ndarray(np.asarray(cv2.cvtColor(picture, cv2.COLOR_GRAY2RGB), np.uint8), "rgb24")
            out.mux(stream.encode(frame.reformat(format=stream.pix_fmt)))
        out.mux(stream.encode(None))


def damage(path: Path) -> None:
    """Random bytes over a tenth of the stream at a third of the way in; a packet cut short at two thirds."""
    data = bytearray(path.read_bytes())
    n = len(data)
    start, end = int(n * 0.35), int(n * 0.45)
    data[start:end] = random.Random(2).randbytes(end - start)
    cut = int(n * 0.65)
    del data[cut : cut + 3000]
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("name", "container", "codec"),
    [("cam.ts", "mpegts", "libx264"), ("cam.h264", "h264", "libx264"), ("cam.mkv", "matroska", "mjpeg")],
    ids=["h264-mpegts", "h264-raw", "mjpeg-matroska"],
)
def test_a_video_damaged_mid_way_is_read_to_its_end_and_the_damage_is_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, name: str, container: str, codec: str
) -> None:
    path = tmp_path / name
    write_video(path, container, codec)
    damage(path)
    config = CameraConfig(kind="camera", id="cam-pit", site="pit", source=str(path), adaptive=False)
    stream = open_video_stream(config, realtime=False)
    times: list[float] = []
    with caplog.at_level(logging.WARNING, logger="devices.camera"):
        try:
            while (frame := stream.read()) is not None:
                times.append(frame.pts_s)
        finally:
            stats = dict(stream.stats())
            stream.close()
    # Nothing raised; the pictures before and after the damage came through, in the video's own time.
    assert times[0] < 0.2 and times[-1] >= SECONDS - 1.0
    assert len(times) >= 0.6 * SECONDS * FPS
    assert all(b > a for a, b in itertools.pairwise(times))
    # The damage was noticed: counted, and logged once, naming the camera.
    assert int(str(stats["decode_errors"])) + int(str(stats["corrupt"])) >= 1
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and warnings[0].startswith("camera cam-pit: ")


def two_cameras(
    make_services: Callable[..., Services], pit: MjpegServer, gate: MjpegServer
) -> tuple[CameraWatchService, Observations]:
    """A watch of cam-pit (the camera that goes bad) and cam-gate (a healthy one) at the same site."""
    cameras = [
        {**CAMERA, "source": pit.url, "offline_after_s": 3, "max_keyframe_interval_s": 2, "reconnect_max_s": 2},
        {**CAMERA, "id": "cam-gate", "name": "3号沙坑大门", "source": gate.url, "offline_after_s": 3, "max_keyframe_interval_s": 2},
    ]
    _, watch, sink = watch_cameras(make_services, cameras)
    return watch, sink


def test_garbage_from_one_camera_is_logged_makes_it_offline_and_it_recovers_while_the_other_never_notices(
    make_services: Callable[..., Services], caplog: pytest.LogCaptureFixture,
) -> None:
    with MjpegServer(Scene(1).render, fps=FPS) as pit, MjpegServer(Scene(2).render, fps=FPS) as gate:
        watch, sink = two_cameras(make_services, pit, gate)
        states = watch.states

        def status(camera_id: str) -> dict[str, object]:
            (found,) = [s for s in watch.status() if s["id"] == camera_id]
            return found

        async def scenario() -> None:
            await until(lambda: all(s.online for s in states.values()) and frames(watch, "cam-pit") >= 2, 10,
                        "both cameras online")
            # A second of JPEGs cut in half: damaged pictures, but pictures: the camera stays online.
            pit.fault = "truncated"
            before = frames(watch, "cam-pit")
            await until(lambda: frames(watch, "cam-pit") >= before + 2, 5, "damaged pictures to be analysed")
            pit.fault = "garbage"
            gate_before = frames(watch, "cam-gate")
            await until(lambda: observed(sink, "camera_offline") == [True], 3 + 3, "the garbage camera offline")
            pit_status = status("cam-pit")
            assert pit_status["online"] is False
            stream = pit_status["stream"]
            assert isinstance(stream, dict) and int(stream["decode_errors"]) >= 1
            assert "undecodable" in str(stream["problem"])
            offline = next(o for o in sink.seen if o.kind.value == "camera_offline")
            assert "undecodable" in str(offline.details["detail"])
            # Meanwhile the other camera went on as if nothing happened (idle, it analyses about a picture a
            # second: wait for three more rather than count on a busy machine keeping that pace).
            await until(lambda: frames(watch, "cam-gate") >= gate_before + 3, 10, "the other camera's pictures")
            assert states["cam-gate"].online is True
            pit.fault = None
            before = frames(watch, "cam-pit")
            await until(lambda: observed(sink, "camera_offline") == [True, False] and frames(watch, "cam-pit") >= before + 2,
                        6, "the camera to recover")
            assert status("cam-pit")["stream"]["problem"] == ""  # type: ignore[index]

        run(watch, scenario)
    assert observed(sink, "camera_offline", "cam-gate") == [] and observed(sink, "motion", "cam-gate") == []
    assert observed(sink, "motion") == []  # neither damaged pictures nor garbage look like an intruder
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any(m.startswith("camera cam-pit: undecodable data") for m in messages)
    assert any(m.startswith("camera cam-pit is offline") and "undecodable" in m for m in messages)
    assert not any("cam-gate" in m for m in messages)
    assert not any(r.exc_info for r in caplog.records)  # no crash, no traceback


def test_noise_instead_of_a_stream_makes_the_camera_reconnect_until_it_is_good_again(
    make_services: Callable[..., Services], caplog: pytest.LogCaptureFixture,
) -> None:
    with MjpegServer(Scene(1).render, fps=FPS) as pit, MjpegServer(Scene(2).render, fps=FPS) as gate:
        watch, sink = two_cameras(make_services, pit, gate)
        states = watch.states

        async def scenario() -> None:
            await until(lambda: all(s.online for s in states.values()) and frames(watch, "cam-pit") >= 2, 10,
                        "both cameras online")
            pit.fault = "noise"  # no multipart framing any more: nothing the demuxer can parse
            gate_before = frames(watch, "cam-gate")
            await until(lambda: observed(sink, "camera_offline") == [True], 3 + 3, "the noisy camera offline")
            assert "no decodable video data" in states["cam-pit"].last_error
            await until(lambda: frames(watch, "cam-gate") >= gate_before + 3, 10, "the other camera's pictures")
            assert states["cam-gate"].online is True
            pit.fault = None
            before = frames(watch, "cam-pit")
            await until(lambda: observed(sink, "camera_offline") == [True, False] and frames(watch, "cam-pit") >= before + 2,
                        2 + 5, "the camera to reconnect and recover")

        run(watch, scenario)
        assert pit.connections >= 2  # it reconnected by itself
    assert observed(sink, "camera_offline", "cam-gate") == []
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any(m.startswith("camera cam-pit: ") and "no decodable video data" in m for m in messages)
    assert not any("cam-gate" in m for m in messages)
    assert not any(r.exc_info for r in caplog.records)
