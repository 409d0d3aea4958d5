"""The duty-room watch with faces, on generated pictures with real face photos pasted in
(../shared/data; skips without them, fails in CI): the rostered officer facing the camera keeps it
quiet, a stranger at the desk raises "wrong person on duty" until the officer is back. SQLite only:
identification does not touch the database; the watch's storage is tested on both in
test_duty_watch.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.faces import photo, photo_bytes
from tests.helpers.clocks import FakeClock
from tests.watchd.duty.scene import Person, load_face
from tests.watchd.duty.test_duty_watch import BACK_TURNED, MONDAY, Desk, incidents, watch
from watchd.app import Services


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'watchd.db'}"


FACES = {"presence": {"face_every_seconds": 30, "identify_every_seconds": 30}}


@pytest.fixture
def faces_watch(make_services: Callable[..., Services], clock: FakeClock) -> tuple[Services, Desk]:
    services, desk = watch(make_services, clock, wrong_person_minutes=5, **FACES)
    report = services.people.enroll("d001", [("obama.jpg", photo_bytes("knn_examples/train/obama/obama.jpg"))])
    assert report.stored == 1
    return services, desk


def test_the_rostered_officer_facing_the_camera_keeps_it_quiet(
    faces_watch: tuple[Services, Desk], clock: FakeClock
) -> None:
    services, desk = faces_watch
    officer = Person(face=load_face(photo("knn_examples/test/obama1.jpg")))
    desk.show(None, 1)
    desk.show(officer, 8)
    desk.show(BACK_TURNED, 4)  # turned to the monitors for a while
    assert incidents(services) == []
    log = services.duty_log.log("duty", MONDAY)
    seen = {name: n for s in log.timeline for name, n in s.faces.items()}
    assert seen.get("张三", 0) >= 10 and "未识别" not in seen


def test_a_stranger_at_the_desk_raises_wrong_person_until_the_officer_is_back(
    faces_watch: tuple[Services, Desk], clock: FakeClock
) -> None:
    services, desk = faces_watch
    stranger = Person(shirt=(40, 90, 40), face=load_face(photo("knn_examples/train/biden/biden.jpg")))
    officer = Person(face=load_face(photo("knn_examples/test/obama1.jpg")))
    desk.show(None, 1)
    desk.show(stranger, 4)
    assert incidents(services) == []  # shorter than the 5-minute stretch
    desk.show(stranger, 2.5)
    [incident] = incidents(services)
    assert incident.kind == "wrong_person_on_duty" and incident.status == "open"
    assert incident.summary == "在岗非排班人员：应为张三，实为未识别人员"
    assert incident.has_snapshot
    assert [n.recipient_name for n in services.alerts.get(incident.id).notifications] == ["乌云"]
    desk.show(officer, 2)
    assert incidents(services)[0].status == "resolved"
