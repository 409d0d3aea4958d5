"""The camera kiosk driver, against real video files and a closed loopback port."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from devices.contracts import DeviceStatus, DeviceUnavailable
from devices.kiosk.config import CameraKioskConfig
from devices.kiosk.driver import CameraKioskDriver
from tests.helpers.driven_time import DrivenTime
from tests.helpers.sinks import Events

UNREACHABLE = "rtsp://127.0.0.1:1/none"
WITH_PASSWORD = "rtsp://user:secret@127.0.0.1:1/x"
BLUE_BGR = (255, 0, 0)


def write_clip(path: Path, *, seconds: float, fps: float = 20.0, size: tuple[int, int] = (400, 300)) -> Path:
    width, height = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (width, height))
    assert writer.isOpened()
    image = np.full((height, width, 3), BLUE_BGR, dtype=np.uint8)
    for _ in range(round(seconds * fps)):
        writer.write(image)
    writer.release()
    return path


def camera(source: str | Path, **overrides: object) -> CameraKioskConfig:
    data: dict[str, object] = {"kind": "kiosk_camera", "id": "cam-1", "site": "v", "source": str(source)}
    return CameraKioskConfig.model_validate({**data, **overrides})


async def stop_when(driver: CameraKioskDriver, sink: Events, condition: Callable[[], bool]) -> float:
    """Run until `condition()` holds, set stop, and return how long `run` took to return."""
    stop = asyncio.Event()
    task = asyncio.create_task(driver.run(sink, stop))
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline and not task.done(), "the condition never held"
        await asyncio.sleep(0.01)
    stop.set()
    started = time.monotonic()
    await asyncio.wait_for(task, timeout=3)
    return time.monotonic() - started


def test_file_frames_are_rgb_shrunk_and_rate_limited(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.avi", seconds=1.5)
    driver = CameraKioskDriver(camera(clip, fps=4, max_side=160))
    sink = Events()

    async def main() -> None:
        await asyncio.wait_for(driver.run(sink, asyncio.Event()), timeout=5)  # returns at end of file

    asyncio.run(main())

    first, *_, last = sink.events
    assert isinstance(first, DeviceStatus)
    assert first.state == "online"
    assert isinstance(last, DeviceStatus)
    assert (last.state, last.detail) == ("offline", "end of stream")
    assert len(sink.statuses()) == 2

    frames = sink.frames()
    assert 4 <= len(frames) <= 8  # 1.5 s at 4 fps
    assert [f.seq for f in frames] == sorted({f.seq for f in frames})
    for frame in frames:
        assert frame.device_id == "cam-1"
        assert frame.occurred_at.tzinfo is not None
        assert frame.image.dtype == np.uint8
        assert frame.image.shape == (120, 160, 3)
        red, green, blue = frame.image.reshape(-1, 3).mean(axis=0)
        assert blue > 200 > 50 > max(red, green)
    for i, earlier in enumerate(frames):
        for later in frames[i + 1 :]:
            span = (later.occurred_at - earlier.occurred_at).total_seconds()
            assert later.seq - earlier.seq <= 4 * span + 1
    diagnostics = driver.diagnostics()
    assert diagnostics["state"] == "ended"
    assert diagnostics["frames_emitted"] == len(frames)
    assert diagnostics["frames_dropped"] == 0


def test_run_returns_promptly_on_stop_while_streaming(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "long.avi", seconds=10, fps=10, size=(200, 150))
    driver = CameraKioskDriver(camera(clip, fps=5))
    sink = Events()
    assert asyncio.run(stop_when(driver, sink, lambda: len(sink.frames()) >= 2)) < 1.0
    assert len(sink.frames()) >= 1
    assert [s.state for s in sink.statuses()] == ["online"]
    assert driver.diagnostics()["state"] == "stopped"


def test_refusing_sink_gets_drops_counted(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.avi", seconds=1.0)
    driver = CameraKioskDriver(camera(clip, fps=10))
    sink = Events(accept=False)
    asyncio.run(asyncio.wait_for(driver.run(sink, asyncio.Event()), timeout=5))
    diagnostics = driver.diagnostics()
    assert diagnostics["frames_emitted"] == 0
    assert len(sink.frames()) >= 1
    # Every frame within the fps budget was lost and counted: refused by the sink, or (on a busy machine)
    # replaced by a newer one before the loop could offer it.
    handed_on = int(str(diagnostics["frames_read"])) - int(str(diagnostics["frames_skipped"]))
    assert len(sink.frames()) <= handed_on <= 12  # 1 s at 10 fps, fewer if the machine stalls the thread
    assert diagnostics["frames_dropped"] == handed_on
    assert diagnostics["status_dropped"] == 2


def test_probe_describes_a_readable_source(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.avi", seconds=0.5)
    info = asyncio.run(CameraKioskDriver(camera(clip)).probe())
    assert info.serial == str(clip)
    assert info.model == "camera 400x300"


@pytest.mark.parametrize("source", ["missing.avi", UNREACHABLE])
def test_probe_of_an_unavailable_source_names_it(tmp_path: Path, source: str) -> None:
    if "://" not in source:
        source = str(tmp_path / source)
    with pytest.raises(DeviceUnavailable, match=source.replace(".", r"\.")):
        asyncio.run(CameraKioskDriver(camera(source)).probe())


def run_until(driver: CameraKioskDriver, sink: Events, time: DrivenTime, condition: Callable[[], bool]) -> None:
    """Run the driver, skipping its backoff waits, until `condition()` holds; then stop it."""

    async def main() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(driver.run(sink, stop))
        await time.skip_until(condition)
        stop.set()
        await asyncio.wait_for(task, timeout=3)

    asyncio.run(main())


def test_unreachable_source_goes_offline_once_while_retrying() -> None:
    time = DrivenTime()
    driver = CameraKioskDriver(camera(UNREACHABLE), timing=time.timing)
    sink = Events()
    run_until(driver, sink, time, lambda: len(time.waits) >= 7)
    assert time.waits[:7] == [1, 2, 4, 8, 16, 30, 30]  # seconds between attempts: doubling up to 30 s
    statuses = sink.statuses()
    assert [s.state for s in statuses] == ["offline"]
    assert UNREACHABLE in statuses[0].detail
    assert not sink.frames()
    diagnostics = driver.diagnostics()
    assert diagnostics["reconnects"] == 6
    assert UNREACHABLE in str(diagnostics["last_error"])


def test_recovers_when_the_source_appears(tmp_path: Path) -> None:
    target = tmp_path / "late.avi"
    time = DrivenTime()
    driver = CameraKioskDriver(camera(target, fps=5), timing=time.timing)
    sink = Events()

    async def main() -> None:
        task = asyncio.create_task(driver.run(sink, asyncio.Event()))
        await time.skip_until(lambda: len(time.waits) >= 3)  # three attempts failed
        os.replace(write_clip(tmp_path / "staging.avi", seconds=0.5), target)
        time.skip()
        await asyncio.wait_for(task, timeout=5)

    asyncio.run(main())
    assert time.waits == [1, 2, 4]
    assert [(s.state, s.detail == "end of stream") for s in sink.statuses()] == [
        ("offline", False),
        ("online", False),
        ("offline", True),
    ]
    assert sink.frames()


def test_no_password_in_diagnostics_statuses_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="devices")
    time = DrivenTime()
    driver = CameraKioskDriver(camera(WITH_PASSWORD), timing=time.timing)
    sink = Events()
    run_until(driver, sink, time, lambda: len(time.waits) >= 3)
    with pytest.raises(DeviceUnavailable) as probe_error:
        asyncio.run(driver.probe())

    diagnostics = driver.diagnostics()
    assert diagnostics["source"] == "rtsp://user:***@127.0.0.1:1/x"
    assert diagnostics["last_error"]
    texts = [repr(diagnostics), str(probe_error.value), caplog.text, *(s.detail for s in sink.statuses())]
    assert all("secret" not in text for text in texts)
    assert "user:***@127.0.0.1:1/x" in str(probe_error.value)


def test_a_second_run_reports_its_status_again(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.avi", seconds=0.3)
    driver = CameraKioskDriver(camera(clip))
    runs = [Events(), Events()]
    for sink in runs:
        asyncio.run(asyncio.wait_for(driver.run(sink, asyncio.Event()), timeout=5))
    for sink in runs:
        assert [s.state for s in sink.statuses()] == ["online", "offline"]
    frames = [f.seq for sink in runs for f in sink.frames()]
    assert frames == sorted(set(frames))  # seq keeps increasing across runs
