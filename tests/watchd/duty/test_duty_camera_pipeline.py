"""A duty camera through the device supervisor: the real capture driver reads a recorded clip (a
video file of the generated desk, played at its own speed) and its pictures reach the duty watch,
never the check-in tracker; a camera that cannot be opened is reported offline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import pytest

from tests.helpers.clocks import FakeClock
from tests.watchd.duty.conftest import DEVICES, duty_config
from tests.watchd.duty.scene import HEIGHT, WIDTH, Person, frame
from watchd.app import Services, build_supervisor
from watchd.ops.heartbeat import Heartbeats
from watchd.pipeline.supervisor import DeviceSupervisor


def record_clip(path: Path, seconds: float, fps: float = 5.0) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (WIDTH, HEIGHT))
    assert writer.isOpened()
    for i in range(int(seconds * fps)):
        writer.write(cv2.cvtColor(frame(i, Person() if i > fps else None), cv2.COLOR_RGB2BGR))
    writer.release()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite: this is about the capture and the routing; the watch has its own tests on both databases."""
    return f"sqlite:///{tmp_path / 'watchd.db'}"


async def supervise(services: Services, until: Callable[[], bool], limit: float = 10.0) -> DeviceSupervisor:
    """Run the supervisor until `until()` holds (checked on the loop), then stop it."""
    sup = build_supervisor(services, heartbeats=Heartbeats())
    sup.start()
    deadline = time.monotonic() + limit
    await asyncio.sleep(0.05)  # let every task begin
    while not until():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)
    await sup.stop()
    return sup


def test_a_recorded_desk_clip_reaches_the_duty_watch_not_the_kiosk(
    make_services: Callable[..., Services], clock: FakeClock, tmp_path: Path
) -> None:
    clip = tmp_path / "desk.avi"
    record_clip(clip, seconds=2)
    cam = {"id": "duty-cam", "kind": "duty_camera", "site": "duty", "name": "值班桌", "source": str(clip), "fps": 5}
    devices = [d for d in DEVICES if d["id"] != "duty-cam"] + [cam]
    services = make_services(**{**duty_config(presence={"face_every_seconds": 600}), "devices": devices})

    def offline_reported() -> bool:
        return any(i.kind == "camera_offline" for i in services.alerts.search())

    sup = asyncio.run(supervise(services, offline_reported))  # the 2 s clip played to its end
    [status] = services.duty_watch.status()
    assert status["frames"] >= 4  # up to 10 pictures at 5 per second, fewer on a busy machine
    assert status["reference"] is False  # a 2 s clip is too short to learn the empty seat from
    assert services.checkins.search() == []  # a duty camera never makes check-ins
    assert sup.runtimes["duty-cam"].dropped_frames >= 0
    # The end of the clip is the end of the stream: the camera goes offline, which is reported.
    [offline] = [i for i in services.alerts.search() if i.kind == "camera_offline"]
    assert (offline.subject, offline.site_id) == ("duty-cam", "duty")


def test_a_duty_camera_that_watches_no_desk_is_not_started(
    make_services: Callable[..., Services], clock: FakeClock
) -> None:
    spare = {"id": "spare-cam", "kind": "duty_camera", "site": "duty2", "source": "rtsp://127.0.0.1:1/x"}
    services = make_services(**{**duty_config(), "devices": [*DEVICES, spare]})
    sup = asyncio.run(supervise(services, lambda: True))  # start() decides at once
    assert "spare-cam" not in sup.runtimes
