"""A real HTTP MJPEG camera on loopback (tests/fakes/mjpeg_server.py) watched by the daemon's camera watch:
a person-sized bright object walking into a zone is an event, losing the camera raises camera offline and its
return resolves it."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import av
import cv2
import numpy as np
import numpy.typing as npt
import pytest

from devices.backoff import REAL_TIME, Timing
from tests.fakes.mjpeg_server import MjpegServer
from tests.helpers.driven_time import DrivenTime
from tests.helpers.sinks import Observations
from tests.watchd.camera.test_camera_events_api import CAMERA, SITES
from watchd.app import Services
from watchd.db.repositories.camera_events import CameraEventsRepository
from watchd.pipeline.camera_watch.watch import CameraWatchService

SIZE = (240, 320)  # height, width of the fake camera's pictures
PIT_ZONE = {"name": "坑口", "points": [[0.5, 0.0], [1.0, 0.0], [1.0, 1.0], [0.5, 1.0]]}


class Scene:
    """A still, slightly noisy outdoor-like picture; `walk(seconds)` sends a bright object across the zone."""

    def __init__(self, seed: int = 5) -> None:
        rng = np.random.default_rng(seed)
        texture = cv2.resize(rng.integers(50, 130, (30, 40), dtype=np.uint8), SIZE[::-1], interpolation=cv2.INTER_CUBIC)
        self.background = np.asarray(texture, dtype=np.int16)
        self._rng = np.random.default_rng(seed + 1)
        self._lock = threading.Lock()
        self._walk: tuple[float, float] | None = None  # (monotonic start, seconds)

    def walk(self, seconds: float) -> None:
        with self._lock:
            self._walk = (time.monotonic(), seconds)

    def render(self) -> npt.NDArray[np.uint8]:
        noise = self._rng.integers(-3, 4, SIZE, dtype=np.int16)
        picture: npt.NDArray[np.uint8] = np.clip(self.background + noise, 0, 255).astype(np.uint8)
        with self._lock:
            walk = self._walk
        if walk is not None:
            elapsed = time.monotonic() - walk[0]
            if 0 <= elapsed < walk[1]:
                # 40 x 70 px (3.6 % of the picture), moving right across the zone at 30 px/s.
                x = 185 + round(30 * elapsed)
                cv2.rectangle(picture, (x, 90), (x + 40, 160), 225, thickness=-1)
        return picture


def watch_cameras(
    make_services: Callable[..., Services], cameras: Sequence[dict[str, Any]], *, timing: Timing = REAL_TIME,
    **watch_settings: Any,
) -> tuple[Services, CameraWatchService, Observations]:
    services = make_services(sites=SITES, devices=list(cameras), camera_watch=watch_settings)
    settings = services.config.settings
    sink = Observations()
    watch = CameraWatchService(
        [d for d in settings.devices if d.kind == "camera"], settings.camera_watch, services.db,
        services.config.data_dir, services.clock, settings.zone, observations=sink, timing=timing,
    )
    return services, watch, sink


async def until(check: Callable[[], bool], seconds: float, what: str) -> float:
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < seconds, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


def frames(watch: CameraWatchService, camera_id: str) -> int:
    (status,) = [s for s in watch.status() if s["id"] == camera_id]
    return int(str(status["frames"]))


def observed(sink: Observations, kind: str, camera_id: str = "cam-pit") -> list[bool]:
    """Whether each observation of that kind for that camera was raised (True) or resolved (False), in order."""
    return [o.active for o in sink.seen if o.kind.value == kind and o.subject == camera_id]


def run(watch: CameraWatchService, scenario: Callable[[], Awaitable[None]]) -> None:
    async def main() -> None:
        watch.start()
        try:
            await scenario()
        finally:
            await watch.stop()

    asyncio.run(main())


def test_an_object_walking_into_a_zone_of_an_http_mjpeg_camera_is_an_event(
    make_services: Callable[..., Services],
) -> None:
    scene = Scene()
    with MjpegServer(scene.render, fps=10) as server:
        camera = {**CAMERA, "source": server.url, "zones": [PIT_ZONE], "min_duration_s": 1.0, "offline_after_s": 3, "max_keyframe_interval_s": 2}
        services, watch, sink = watch_cameras(make_services, [camera], quiet_s=1.0)

        async def scenario() -> None:
            await until(lambda: frames(watch, "cam-pit") >= 3 and watch.states["cam-pit"].online is True, 10,
                        "the camera to come online")
            assert observed(sink, "motion") == []  # a still scene with sensor noise is not motion
            # In the zone for 2 s: twice the minimum duration, in real seconds as the camera sent them.
            scene.walk(2.0)
            await until(lambda: observed(sink, "motion") == [True, False], 8, "the motion event to start and end")

        run(watch, scenario)

    (start, _) = [o for o in sink.seen if o.kind.value == "motion"]
    assert start.summary == "3号沙坑 发现移动目标（坑口）" and start.details["zones"] == ["坑口"]
    assert start.snapshot_path is not None
    assert (services.config.data_dir / start.snapshot_path).read_bytes()[:2] == b"\xff\xd8"
    with services.db.read() as s:
        (row,) = CameraEventsRepository(s).search(camera_id="cam-pit", kind="motion", since=None, until=None, limit=5)
        assert row.ended_at is not None and row.zones == '["坑口"]'
        clip = row.clip_path
    assert clip is not None
    with av.open(str(services.config.data_dir / clip)) as container:
        times = [float(f.time or 0.0) for f in container.decode(video=0)]
    # The clip runs from before the onset to after the object left, at the camera's own pace (10 a second).
    assert times[-1] - times[0] >= 2.0
    assert 7 <= (len(times) - 1) / (times[-1] - times[0]) <= 13


def test_an_http_mjpeg_camera_going_away_is_offline_and_its_return_resolves_it(
    make_services: Callable[..., Services],
) -> None:
    scene = Scene()
    server = MjpegServer(scene.render, fps=10).start()
    driven = DrivenTime()  # the watch's silence and reconnect waits run on it
    try:
        camera = {**CAMERA, "source": server.url, "offline_after_s": 3, "max_keyframe_interval_s": 2, "reconnect_max_s": 2}
        _, watch, sink = watch_cameras(make_services, [camera], timing=driven.timing)

        async def scenario() -> None:
            state = watch.states["cam-pit"]
            await until(lambda: frames(watch, "cam-pit") >= 3 and state.online is True, 10, "the camera online")
            server.stop()
            await driven.until_sleeping()  # the stream ended: the camera's thread waits to reconnect
            assert observed(sink, "camera_offline") == []
            driven.advance(3.0)  # offline_after_s without a picture
            await until(lambda: observed(sink, "camera_offline") == [True], 5, "the offline observation")
            await driven.skip_until(lambda: "refused the connection" in state.last_error)
            (status,) = watch.status()
            assert status["online"] is False
            before = frames(watch, "cam-pit")
            server.start()
            await driven.skip_until(lambda: state.online is True and frames(watch, "cam-pit") >= before + 3)
            await until(lambda: observed(sink, "camera_offline") == [True, False], 3, "offline resolved")

        run(watch, scenario)
    finally:
        server.stop()
    assert server.connections >= 2  # it reconnected by itself
    assert driven.waits[0] == 1 and set(driven.waits[1:]) <= {2}  # backing off from 1 s to reconnect_max_s


def test_a_busy_event_loop_does_not_hold_up_storing_a_camera_event(make_services: Callable[..., Services]) -> None:
    scene = Scene()
    with MjpegServer(scene.render, fps=10) as server:
        camera = {**CAMERA, "source": server.url, "zones": [PIT_ZONE], "min_duration_s": 1.0, "offline_after_s": 3, "max_keyframe_interval_s": 2}
        services, watch, sink = watch_cameras(make_services, [camera], quiet_s=1.0)

        def stored() -> list[str]:
            with services.db.read() as s:
                rows = CameraEventsRepository(s).search(camera_id="cam-pit", kind="motion", since=None, until=None,
                                                         limit=5)
                return [r.event_key for r in rows]

        async def scenario() -> None:
            await until(lambda: frames(watch, "cam-pit") >= 3 and watch.states["cam-pit"].online is True, 10,
                        "the camera online")
            scene.walk(2.0)
            # The event loop is busy (a long report, a slow request) while the motion starts: the camera's
            # own thread stores the event meanwhile; nothing waits for the loop.
            deadline = time.monotonic() + 8
            while not stored():
                assert time.monotonic() < deadline, "the motion event was not stored while the loop was busy"
                time.sleep(0.05)  # noqa: ASYNC251 - blocks the event loop on purpose
            assert [o.kind.value for o in sink.seen] == ["motion"]  # reported by the same thread, too

        run(watch, scenario)


def refuse_camera_events(services: Services) -> None:
    """The database refuses new camera events from now on (a full disk, a broken table)."""
    if services.db.dialect == "sqlite":
        ddl = ["CREATE TRIGGER refuse BEFORE INSERT ON camera_events BEGIN SELECT RAISE(ABORT, 'disk full'); END"]
    else:
        ddl = [
            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse BEFORE INSERT ON camera_events FOR EACH ROW EXECUTE FUNCTION refuse()",
        ]
    with services.db.engine.begin() as conn:
        for statement in ddl:
            conn.exec_driver_sql(statement)


def test_an_event_the_database_refuses_is_counted_and_the_camera_watches_on(
    make_services: Callable[..., Services], caplog: pytest.LogCaptureFixture,
) -> None:
    scene = Scene()
    with MjpegServer(scene.render, fps=10) as server:
        camera = {**CAMERA, "source": server.url, "zones": [PIT_ZONE], "min_duration_s": 1.0, "offline_after_s": 3, "max_keyframe_interval_s": 2}
        services, watch, sink = watch_cameras(make_services, [camera], quiet_s=1.0)
        refuse_camera_events(services)

        def status() -> dict[str, object]:
            (found,) = watch.status()
            return found

        async def scenario() -> None:
            await until(lambda: frames(watch, "cam-pit") >= 3 and watch.states["cam-pit"].online is True, 10,
                        "the camera online")
            scene.walk(2.0)
            await until(lambda: status()["dropped_events"] == 2, 10, "the start and end to be refused")
            before = frames(watch, "cam-pit")
            await until(lambda: frames(watch, "cam-pit") >= before + 2, 5, "pictures after the refusal")
            assert status()["online"] is True

        run(watch, scenario)
    assert sink.seen == []  # nothing stored, nothing reported as if it had been
    refused = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert refused == ["camera cam-pit: motion start not recorded", "camera cam-pit: motion end not recorded"]
