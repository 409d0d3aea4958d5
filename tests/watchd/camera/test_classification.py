"""Which classes raise an event, per zone and per site, and a detector that falls behind, over real footage
(vtest: people walk into the left zone at 18.4 s and 53 s) with scripted detectors (tests/fakes/detectors.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np
from fastapi.testclient import TestClient

from tests.conftest import BASE_CONFIG
from tests.fakes.detectors import STUCK, register_fakes
from tests.watchd.camera.conftest import LEFT_ZONE, FakeVideoStream, footage
from tests.watchd.camera.test_camera_events_api import CAMERA, SITES, ListSink
from watchd.app import Services
from watchd.pipeline.camera_watch.classify import CameraClassifier
from watchd.pipeline.camera_watch.loop import CameraLoop
from watchd.pipeline.camera_watch.watch import CameraWatchService


def run(
    make_services: Callable[..., Services],
    detector: str,
    *,
    zones: list[dict[str, Any]],
    until_s: float = 20,  # one person enters the left zone (18.4 s); more do from 20.6 s on
    classify: dict[str, Any] | None = None,
    stuck: bool = False,
) -> tuple[Services, ListSink, CameraWatchService, CameraLoop]:
    """The camera's loop over vtest with this detector; its events go through the daemon's recorder."""
    register_fakes()
    services = make_services(
        sites=SITES,
        devices=[*BASE_CONFIG["devices"], {**CAMERA, "zones": zones}],
        camera_watch={"classify": {"detector": detector, "budget_ms": 50, **(classify or {})}},
    )
    settings = services.config.settings
    sink = ListSink()
    cams = [d for d in settings.devices if d.kind == "camera"]
    watch = CameraWatchService(
        cams,
        settings.camera_watch,
        services.db,
        services.config.data_dir,
        services.clock,  # type: ignore[arg-type]
        settings.zone,
        observations=sink,
    )
    config = watch.cameras[0]
    pool = watch.detectors
    if stuck:  # another camera's call hangs in the shared detector
        STUCK.clear()
        threading.Thread(
            target=pool.run, args=(np.zeros((90, 160, 3), np.uint8), [(0.1, 0.1, 0.2, 0.2)])
        ).start()
    loop = CameraLoop(
        config,
        emit=watch.recorder.record,
        clock=lambda: datetime(2026, 11, 23, 20, tzinfo=UTC),
        media_dir=watch.media_dir,
        clips=False,
        classifier=CameraClassifier(config, settings.camera_watch.classify, pool) if pool.enabled else None,
    )
    loop.run(FakeVideoStream([p for p in footage("vtest.avi") if p[0] <= until_s]), threading.Event())
    return services, sink, watch, loop


def motion(sink: ListSink) -> list[tuple[str, str | None]]:
    return [(o.summary, o.severity.value if o.severity else None) for o in sink.seen if o.active]


def test_animals_ignored_in_a_zone_raise_nothing_there(make_services: Callable[..., Services]) -> None:
    zones = [{"name": "牧场", "points": LEFT_ZONE, "classes": {"animal": "ignore"}}]
    _, sink, _, loop = run(make_services, "fake-animal", zones=zones)
    assert motion(sink) == []
    assert loop.classifier is not None and loop.classifier.ignored_events == 1


def test_animals_in_a_zone_without_that_filter_are_reported_as_animals_at_the_site_severity(
    make_services: Callable[..., Services],
) -> None:
    zones = [{"name": "坑口", "points": LEFT_ZONE}]
    _, sink, _, _ = run(
        make_services, "fake-animal", zones=zones, classify={"classes_by_site": {"pit": {"animal": "normal"}}}
    )
    assert motion(sink) == [("3号沙坑 发现动物（坑口）", "normal")]


def test_people_still_raise_events_where_animals_are_ignored_and_a_zone_may_make_them_major(
    make_services: Callable[..., Services],
    admin_headers_for: Callable[[Services], tuple[Services, TestClient, dict[str, str]]],
) -> None:
    zones = [{"name": "炸药库", "points": LEFT_ZONE, "classes": {"animal": "ignore", "person": "major"}}]
    services, sink, _, _ = run(make_services, "fake-person", zones=zones)
    assert motion(sink) == [("3号沙坑 发现人员（炸药库）", "major")]
    _, client, headers = admin_headers_for(services)
    [event] = client.get("/api/cameras/events?kind=motion", headers=headers).json()
    assert event["object_class"] == "person" and event["classes"]["person"]["score"] == 0.8
    shot = client.get(event["classes"]["person"]["snapshot_url"], headers=headers)
    assert shot.status_code == 200 and shot.content[:2] == b"\xff\xd8"


def test_without_a_detector_motion_is_reported_exactly_as_before(
    make_services: Callable[..., Services],
) -> None:
    _, sink, watch, loop = run(make_services, "none", zones=[{"name": "坑口", "points": LEFT_ZONE}])
    assert motion(sink) == [("3号沙坑 发现移动目标（坑口）", None)]
    assert loop.classifier is None
    assert watch.status()[0]["detector_state"] == "off"


def test_a_detector_that_falls_behind_lets_events_out_as_unknown_and_says_so(
    make_services: Callable[..., Services],
) -> None:
    try:  # another camera's call hangs in the shared detector: every call here waits past the 50 ms budget
        _, sink, watch, loop = run(
            make_services, "fake-stuck", zones=[{"name": "坑口", "points": LEFT_ZONE}], stuck=True
        )
    finally:
        STUCK.set()
    assert motion(sink) == [("3号沙坑 发现移动目标（坑口）", None)]
    status = watch.status()[0]
    assert status["detector_state"] == "behind" and "来不及处理" in str(status["detector_warning"])
    assert loop.classifier is not None and loop.classifier.unknown_events == 1


def test_a_detector_that_cannot_load_is_reported_and_motion_goes_on(
    make_services: Callable[..., Services],
) -> None:
    _, sink, watch, _ = run(make_services, "fake-missing", zones=[{"name": "坑口", "points": LEFT_ZONE}])
    assert motion(sink) == [("3号沙坑 发现移动目标（坑口）", None)]
    status = watch.status()[0]
    assert status["detector_state"] == "unavailable" and "fake.tflite" in str(status["detector_warning"])


def test_a_recognised_person_walking_on_is_not_sent_to_the_detector_again_but_each_newcomer_is(
    make_services: Callable[..., Services],
) -> None:
    # One person enters the left zone at 18.4 s and walks on: recognised once, then followed, not re-classified
    # every half second. Until 40 s two more enter: each is a new event, recognised as a person on its own.
    _, sink, watch, _ = run(make_services, "fake-person", zones=[{"name": "坑口", "points": LEFT_ZONE}])
    first = watch.detectors.view().calls
    assert motion(sink) == [("3号沙坑 发现人员（坑口）", None)]
    assert first == 1
    _, sink, watch, _ = run(
        make_services, "fake-person", zones=[{"name": "坑口", "points": LEFT_ZONE}], until_s=40
    )
    assert motion(sink) == [("3号沙坑 发现人员（坑口）", None)] * 3
    assert 3 <= watch.detectors.view().calls <= 6
