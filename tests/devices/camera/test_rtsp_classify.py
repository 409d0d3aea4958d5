"""What moved, end to end: a real RTSP camera (GStreamer fake) watched by the daemon's camera watch with the
object detector on; the incident a leader gets says 发现人员. A detector that fails does not blind the watch:
the same footage still raises its incident, as 发现移动目标, and the camera list and duty screen say why."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.devices.camera.test_rtsp_keyframe_interval import LAWN, crossing_clip
from tests.fakes.detectors import register_fakes
from tests.integration import need
from tests.watchd.camera.test_camera_events_api import CAMERA, SITES
from watchd.app import Services, build_supervisor
from watchd.ops.heartbeat import Heartbeats
from watchd.ops.runtime import Runtime
from watchd.pipeline.camera_watch.watch import CameraWatchService
from watchd.vision.detectors.model import OIDV4, default_model_dir


def watch_clip(  # a generous time budget: on a loaded test machine one call may take long; "behind" is tested apart
    tmp_path: Path,
    rtsp_server_factory: Any,
    make_services: Callable[..., Services],
    admin_headers_for: Callable[[Services], tuple[Services, TestClient, dict[str, str]]],
    detector: str,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The daemon's services watching the crossing clip over RTSP until an incident opens; what the API shows."""
    server = rtsp_server_factory(crossing_clip(tmp_path))
    camera = {**CAMERA, "source": server.url(), "zones": [{"name": "草地", "points": LAWN}]}
    services = make_services(
        sites=SITES, devices=[camera], camera_watch={"classify": {"detector": detector, "budget_ms": 5000}}
    )
    settings = services.config.settings
    watch = CameraWatchService(
        [d for d in settings.devices if d.kind == "camera"],
        settings.camera_watch,
        services.db,  # type: ignore[misc]
        services.config.data_dir,
        services.clock,
        settings.zone,
        observations=services.alerts,
    )
    supervisor = build_supervisor(services, heartbeats=Heartbeats(), cameras=watch)
    api_services = make_services(  # what the API reads: this node's devices
        sites=SITES, devices=[camera], camera_watch={"classify": {"detector": detector, "budget_ms": 5000}},
        runtime=Runtime(devices=supervisor),
    )
    _, client, headers = admin_headers_for(api_services)

    def get(path: str) -> Any:
        return client.get(path, headers=headers).json()

    async def scenario() -> tuple[Any, Any, Any, Any]:
        watch.start()
        try:
            started = time.monotonic()
            while not (incidents := await asyncio.to_thread(get, "/api/incidents")):
                assert time.monotonic() - started < 60, watch.status()
                await asyncio.sleep(0.3)
            cameras = await asyncio.to_thread(get, "/api/cameras")
            board = await asyncio.to_thread(get, "/api/dashboard/state")
            events = await asyncio.to_thread(get, "/api/cameras/events?kind=motion")
            return incidents, cameras, board["cameras"], events
        finally:
            await watch.stop()

    return asyncio.run(scenario())


def test_a_person_crossing_in_front_of_a_real_rtsp_camera_is_reported_as_a_person(
    tmp_path: Path,
    rtsp_server_factory: Any,
    make_services: Callable[..., Services],
    admin_headers_for: Callable[[Services], tuple[Services, TestClient, dict[str, str]]],
) -> None:
    need(
        (default_model_dir() / OIDV4.file).is_file(),
        f"detector model not installed in {default_model_dir()} (make)",
    )
    incidents, cameras, tiles, events = watch_clip(
        tmp_path, rtsp_server_factory, make_services, admin_headers_for, "oidv4"
    )
    [incident] = incidents
    assert incident["kind"] == "motion" and incident["summary"] == "3号沙坑 发现人员（草地）"
    [cam] = cameras
    assert (cam["detector"], cam["detector_state"], cam["detector_warning"]) == ("oidv4", "ok", None)
    assert events[0]["object_class"] == "person" and events[0]["classes"]["person"]["score"] >= 0.4
    assert tiles[0]["last_event"]["text"] == "发现人员"


def test_a_failing_detector_still_raises_the_incident_as_moving_object_and_says_why(
    tmp_path: Path,
    rtsp_server_factory: Any,
    make_services: Callable[..., Services],
    admin_headers_for: Callable[[Services], tuple[Services, TestClient, dict[str, str]]],
) -> None:
    register_fakes()
    incidents, cameras, tiles, events = watch_clip(
        tmp_path, rtsp_server_factory, make_services, admin_headers_for, "fake-broken"
    )
    [incident] = incidents
    assert incident["summary"] == "3号沙坑 发现移动目标（草地）"
    [cam] = cameras
    assert cam["detector_state"] == "failing" and "目标识别出错" in cam["detector_warning"]
    assert "目标识别出错" in tiles[0]["warning"]  # the duty screen's camera tile
    assert events[0]["object_class"] == "unknown" and events[0]["classes"]["unknown"]["reason"] == "failed"
