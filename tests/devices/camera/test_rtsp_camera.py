"""Against a real RTSP server on loopback: frames flow, losing the server raises camera offline in time,
its return resolves it; a wrong password and an unreachable camera are clear errors, never a crash."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest

from devices.contracts import DeviceAuthError, DeviceUnavailable
from devices.registry import CameraConfig, open_video_stream
from tests.datasets import require_shared_data
from tests.helpers.sinks import Observations
from tests.watchd.camera.test_camera_events_api import CAMERA, SITES
from watchd.app import Services
from watchd.db.repositories.camera_events import CameraEventsRepository
from watchd.pipeline.camera_watch.watch import CameraWatchService


def test_a_wrong_password_is_an_auth_error_without_the_password(
    rtsp_server_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = rtsp_server_factory(require_shared_data("video", "vtest_h264_gop2s.mp4"), "admin", "right-one")
    monkeypatch.setenv("PIT_CAM_PASSWORD", "wrong-one")
    config = CameraConfig(kind="camera", id="c", site="s", source=server.url("admin"), password_env="PIT_CAM_PASSWORD")
    with pytest.raises(DeviceAuthError) as caught:
        open_video_stream(config, realtime=False)
    assert "wrong-one" not in str(caught.value) and "refused the credentials" in str(caught.value)
    monkeypatch.setenv("PIT_CAM_PASSWORD", "right-one")
    stream = open_video_stream(config, realtime=False)
    try:
        frame = stream.read()
        assert frame is not None and frame.luma.shape == (288, 384)  # the luma plane itself, no colour
    finally:
        stream.close()


def test_an_unreachable_camera_is_a_clear_error() -> None:
    config = CameraConfig(kind="camera", id="c", site="s", source="rtsp://127.0.0.1:1/none", open_timeout_s=2)
    with pytest.raises(DeviceUnavailable, match="refused the connection"):
        open_video_stream(config, realtime=False)


def test_losing_the_server_raises_offline_and_its_return_resolves_it(
    rtsp_server_factory: Any, make_services: Callable[..., Services],
) -> None:
    server = rtsp_server_factory(require_shared_data("video", "vtest_h264_gop2s.mp4"))
    camera = {**CAMERA, "source": server.url(), "offline_after_s": 3, "max_keyframe_interval_s": 2, "reconnect_max_s": 2}
    services = make_services(sites=SITES, devices=[camera])
    settings = services.config.settings
    sink = Observations()
    watch = CameraWatchService(
        [d for d in settings.devices if d.kind == "camera"], settings.camera_watch, services.db,  # type: ignore[misc]
        services.config.data_dir, services.clock, settings.zone, observations=sink,
    )

    async def until(check: Callable[[], bool], seconds: float) -> float:
        started = time.monotonic()
        while not check():
            assert time.monotonic() - started < seconds, "timed out"
            await asyncio.sleep(0.1)
        return time.monotonic() - started

    def frames() -> int:
        return int(watch.status()[0]["frames"])  # type: ignore[call-overload]

    async def scenario() -> tuple[float, int]:
        watch.start()
        try:
            await until(lambda: frames() > 5 and watch.states["cam-pit"].online is True, 20)
            server.kill()
            took = await until(lambda: watch.states["cam-pit"].online is False, 15)
            await until(lambda: any(o.kind.value == "camera_offline" for o in sink.seen), 5)
            before = frames()
            server.start()
            await until(lambda: watch.states["cam-pit"].online is True and frames() > before + 5, 25)
            await until(lambda: sum(o.kind.value == "camera_offline" for o in sink.seen) >= 2, 5)
            return took, before
        finally:
            await watch.stop()

    took, _ = asyncio.run(scenario())
    assert took <= 3 + 4.5  # offline_after_s plus the watchdog tick, the read timeout and scheduling jitter
    offline = [(o.kind.value, o.active) for o in sink.seen if o.kind.value == "camera_offline"]
    assert offline == [("camera_offline", True), ("camera_offline", False)]
    with services.db.read() as s:
        rows = CameraEventsRepository(s).search(camera_id="cam-pit", kind="camera_offline", since=None, until=None,
                                                limit=5)
        assert len(rows) == 1 and rows[0].ended_at is not None
