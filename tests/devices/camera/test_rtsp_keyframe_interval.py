"""A camera with a long keyframe interval, watched by the daemon over real RTSP: keyframe-only
idling would be blind between its keyframes, so the camera watch measures the interval, decodes
every picture, finds the intrusion between two keyframes, says so on the camera page and in its
diagnostics, and tells the administrators once."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.datasets import require_shared_data
from tests.helpers.sinks import Notices, Observations
from tests.integration import need
from tests.watchd.camera.test_camera_events_api import CAMERA, SITES
from watchd.app import Services
from watchd.domain.notices import NoticeKind
from watchd.pipeline.camera_watch.watch import CameraWatchService
from watchd.pipeline.supervisor import DeviceSupervisor

LAWN = [[0, 0.6], [0.5, 0.6], [0.5, 1], [0, 1]]  # in the clip, two people cross it from 2.8 s on
FIX = "请在摄像机设置中把 I 帧间隔设为 2 秒以内，并关闭 H.264+/H.265+ 智能编码"


def crossing_clip(tmp_path: Path) -> Path:
    """vtest from 50 s to its end: nobody on the lawn in its first picture, two people cross it after.
    Long enough for two keyframes 25 s apart (the fake server does not loop MP4 files); at both of
    them the lawn is empty, so idling on keyframes would never see the crossing."""
    need(shutil.which("ffmpeg") is not None, "ffmpeg missing")
    clip = tmp_path / "crossing.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", "50", "-i", str(require_shared_data("video", "vtest.avi")), "-t", "29",
         "-vf", "scale=384:288", "-c:v", "libx264", "-preset", "ultrafast", str(clip)],
        check=True, timeout=120,
    )
    return clip


def test_a_camera_with_a_25_s_keyframe_interval_is_watched_picture_by_picture_and_reported(
    tmp_path: Path, rtsp_server_factory: Any, make_services: Callable[..., Services],
    admin_headers_for: Callable[[Services], tuple[Services, TestClient, dict[str, str]]],
) -> None:
    server = rtsp_server_factory(crossing_clip(tmp_path), keyint=250)  # 10 pictures a second: one keyframe in 25 s
    camera = {**CAMERA, "source": server.url(), "zones": [{"name": "草地", "points": LAWN}]}
    services = make_services(sites=SITES, devices=[camera])
    settings = services.config.settings
    observations, notices = Observations(), Notices()
    watch = CameraWatchService(
        [d for d in settings.devices if d.kind == "camera"], settings.camera_watch, services.db,  # type: ignore[misc]
        services.config.data_dir, services.clock, settings.zone, observations=observations, notices=notices,
    )
    services.runtime.supervisor = DeviceSupervisor(
        list(settings.devices), services.checkins, services.engine, settings.liveness, services.clock, cameras=watch,
        duty=services.duty_watch,
    )
    _, client, headers = admin_headers_for(services)

    def motion_seen() -> bool:
        return any(o.kind.value == "motion" and o.active for o in observations.seen)

    async def scenario() -> tuple[list[dict[str, Any]], dict[str, Any], list[dict[str, Any]]]:
        watch.start()
        try:
            started = time.monotonic()
            while not (motion_seen() and notices.seen):
                assert time.monotonic() - started < 50, (observations.seen, notices.seen, watch.status())
                await asyncio.sleep(0.2)
            page = await asyncio.to_thread(lambda: client.get("/api/cameras", headers=headers).json())
            board = await asyncio.to_thread(lambda: client.get("/api/dashboard/state", headers=headers).json())
            return page, watch.status()[0], board["cameras"]
        finally:
            await watch.stop()

    page, status, tiles = asyncio.run(scenario())
    [notice] = notices.seen
    assert (notice.kind, notice.subject, notice.active) == (NoticeKind.camera_keyframe_interval, "cam-pit", True)
    assert "3号沙坑" in notice.text and FIX in notice.text
    assert 24.5 <= float(notice.details["keyframe_interval_s"]) <= 25.5  # type: ignore[arg-type]
    [cam] = page
    assert cam["keyframe_idle"] is False and 24.5 <= cam["keyframe_interval_s"] <= 25.5
    assert cam["warning"].startswith("关键帧间隔 2") and "超过 4 秒" in cam["warning"] and FIX in cam["warning"]
    assert status["keyframe_idle"] is False and status["warning"] == cam["warning"]
    assert [t["warning"] for t in tiles] == [cam["warning"]]  # the duty screen's camera tile says it too
