"""Camera events reach the database once, the API serves them with snapshot and clip, retention prunes them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import BASE_CONFIG
from tests.helpers.clocks import FakeClock
from tests.helpers.sinks import Observations
from watchd.app import Services
from watchd.pipeline.camera_watch.loop import LoopEvent
from watchd.pipeline.camera_watch.media import prune_media
from watchd.pipeline.camera_watch.watch import CameraWatchService

CAMERA = {"id": "cam-pit", "kind": "camera", "site": "pit", "name": "3号沙坑", "source": "rtsp://127.0.0.1:1/x"}
SITES = [*BASE_CONFIG["sites"], {"id": "pit", "name": "3号沙坑", "kind": "protected_site"}]


def setup(make_services: Callable[..., Services]) -> tuple[Services, CameraWatchService, Observations]:
    services = make_services(sites=SITES, devices=[*BASE_CONFIG["devices"], CAMERA])
    s = services.config.settings
    sink = Observations()
    cams = [d for d in s.devices if d.kind == "camera"]
    watch = CameraWatchService(cams, s.camera_watch, services.db, services.config.data_dir, services.clock, s.zone,
                               observations=sink)  # type: ignore[arg-type]
    return services, watch, sink


def media(services: Services, name: str, size: int) -> Path:
    path = services.config.data_dir / "cameras" / "cam-pit" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xd8" + b"x" * (size - 2))
    return path


def event(clock: FakeClock, phase: str, key: str, **kw: Any) -> LoopEvent:
    return LoopEvent(camera_id="cam-pit", kind=kw.pop("kind", "motion"), phase=phase, key=key, media_s=0.0,  # type: ignore[arg-type]
                     at=clock(), **kw)


def test_a_motion_event_is_stored_once_reported_and_served(
    make_services: Callable[..., Services], clock: FakeClock,
    admin_headers_for: Callable[[Services], tuple[Services, TestClient, dict[str, str]]],
) -> None:
    services, watch, sink = setup(make_services)
    snap = media(services, "a.jpg", 1000)
    clip = media(services, "a.mp4", 5000)
    from devices.contracts import ClipInfo

    start = event(clock, "start", "cam-pit:motion:1", zones=("坑口",), box=(0.1, 0.2, 0.3, 0.4), snapshot=snap)
    watch.recorder.record(start)
    watch.recorder.record(start)  # a replay changes nothing
    clock.advance(seconds=12)
    end = event(clock, "end", "cam-pit:motion:1", zones=("坑口",), clip=ClipInfo(path=str(clip), start_s=0, end_s=12,
                                                                                 size_bytes=5000))
    watch.recorder.record(end)
    watch.recorder.record(end)
    _, client, headers = admin_headers_for(services)
    rows = client.get("/api/cameras/events", headers=headers).json()
    assert len(rows) == 1
    row = rows[0]
    assert row["kind"] == "motion" and row["zones"] == ["坑口"] and row["box"] == [0.1, 0.2, 0.3, 0.4]
    assert row["ended_at"] is not None
    assert client.get(row["snapshot_url"], headers=headers).content == snap.read_bytes()
    got = client.get(row["clip_url"], headers=headers)
    assert got.status_code == 200 and got.headers["content-type"] == "video/mp4"
    assert client.get(row["clip_url"]).status_code == 401  # authenticated only
    missing = client.get("/api/cameras/events/9999/clip", headers=headers)
    assert missing.status_code == 404 and missing.json()["detail"]["code"] == "camera_event_not_found"
    assert [(o.kind.value, o.active) for o in sink.seen] == [("motion", True), ("motion", True), ("motion", False),
                                                             ("motion", False)]
    assert sink.seen[0].summary == "3号沙坑 发现移动目标（坑口）"
    assert sink.seen[0].snapshot_path and not Path(sink.seen[0].snapshot_path).is_absolute()


def test_camera_offline_shows_in_the_camera_list_until_it_is_back(
    make_services: Callable[..., Services], clock: FakeClock,
    admin_headers_for: Callable[[Services], tuple[Services, TestClient, dict[str, str]]],
) -> None:
    services, watch, sink = setup(make_services)
    _, client, headers = admin_headers_for(services)
    watch.recorder.record(event(clock, "start", "cam-pit:camera_offline:1", kind="camera_offline", detail="refused"))
    (cam,) = client.get("/api/cameras", headers=headers).json()
    assert cam["online"] is False and cam["open_events"] == ["camera_offline"]
    clock.advance(minutes=3)
    watch.recorder.record(event(clock, "end", "cam-pit:camera_offline:1", kind="camera_offline"))
    (cam,) = client.get("/api/cameras", headers=headers).json()
    assert cam["online"] is True
    assert [o.active for o in sink.seen] == [True, False]
    assert sink.seen[0].summary == "3号沙坑 摄像机离线"


def test_events_left_open_by_a_crash_are_closed_at_start(make_services: Callable[..., Services], clock: FakeClock) -> None:
    services, watch, _ = setup(make_services)
    watch.recorder.record(event(clock, "start", "cam-pit:tamper:1", kind="tamper", reason="covered"))
    config = watch.states["cam-pit"].config
    assert watch.recorder.close_dangling(config) is False  # what a camera's worker does first; nothing was offline
    with services.db.read() as s:
        from watchd.db.repositories.camera_events import CameraEventsRepository

        (row,) = CameraEventsRepository(s).search(camera_id="cam-pit", kind=None, since=None, until=None, limit=5)
        assert row.ended_at is not None and "interrupted" in row.detail


def test_retention_deletes_old_events_and_then_the_oldest_clips_over_budget(
    make_services: Callable[..., Services], clock: FakeClock,
) -> None:
    services, watch, _ = setup(make_services)
    from devices.contracts import ClipInfo

    paths = []
    for i in range(3):
        snap, clip = media(services, f"{i}.jpg", 1000), media(services, f"{i}.mp4", 10_000)
        paths.append((snap, clip))
        watch.recorder.record(event(clock, "start", f"k{i}", snapshot=snap))
        watch.recorder.record(event(clock, "end", f"k{i}", clip=ClipInfo(path=str(clip), start_s=0, end_s=1, size_bytes=10_000)))
        clock.advance(days=10)
    data = services.config.data_dir
    clock.advance(hours=1)
    # 30 days: the first event (now 30 days and an hour old) goes with its files.
    rows, files = prune_media(services.db, data, now=clock(), days=30, max_bytes=10**9)
    assert (rows, files) == (1, 2) and not paths[0][0].exists()
    # Over budget: the oldest remaining clip goes first, its snapshot stays.
    prune_media(services.db, data, now=clock(), days=30, max_bytes=15_000)
    assert not paths[1][1].exists() and paths[1][0].exists() and paths[2][1].exists()
    with services.db.read() as s:
        from watchd.db.repositories.camera_events import CameraEventsRepository

        assert CameraEventsRepository(s).media_bytes() <= 15_000 + 1000
    assert json.dumps(watch.status())  # diagnostics are plain JSON
