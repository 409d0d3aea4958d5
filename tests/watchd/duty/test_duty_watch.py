"""The duty-room watch end to end on generated pictures, with the real incident service, on SQLite
and PostgreSQL: pictures → presence → observations → incidents and messages, the presence timeline,
the duty log. The clock is the test's; a picture every 10 s of fake time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from devices.contracts import DeviceStatus, Frame
from tests.helpers.clocks import FakeClock
from tests.watchd.duty.conftest import admin, duty_config
from tests.watchd.duty.scene import Person, frame
from watchd.alerts.views import IncidentView
from watchd.app import Services
from watchd.ops.retention import Retention

MONDAY = date(2026, 11, 23)
BACK_TURNED = Person()
STEP_S = 10
NO_FACES = {"presence": {"face_every_seconds": 600, "identify_every_seconds": 3600}}


class Desk:
    """Feeds the duty camera's pictures to the watch while the fake clock runs."""

    def __init__(self, services: Services, clock: FakeClock) -> None:
        self.services = services
        self.clock = clock
        self.i = 0

    def show(self, person: Person | None, minutes: float) -> None:
        for _ in range(int(minutes * 60 / STEP_S)):
            self.clock.advance(seconds=STEP_S)
            self.i += 1
            self.services.duty_watch.process_frame(
                Frame(device_id="duty-cam", occurred_at=self.clock(), seq=self.i, image=frame(self.i, person))
            )


def incidents(services: Services, kind: str | None = None) -> list[IncidentView]:
    return [i for i in services.alerts.search() if kind is None or i.kind == kind]


def watch(make_services: Callable[..., Services], clock: FakeClock, **duty: Any) -> tuple[Services, Desk]:
    services = make_services(**duty_config(**duty))
    services.duty.set_day(admin(), "duty", MONDAY, officers=["d001"], leaders=["l001"])
    return services, Desk(services, clock)


def test_an_empty_desk_for_longer_than_the_limit_tells_the_leader_on_duty(
    make_services: Callable[..., Services], clock: FakeClock
) -> None:
    services, desk = watch(make_services, clock, **NO_FACES)
    desk.show(None, 2)  # the empty seat is learnt
    desk.show(BACK_TURNED, 5)
    left = clock()
    desk.show(None, 9.5)
    assert incidents(services) == []  # 9.5 minutes: not yet
    desk.show(None, 1.5)
    [incident] = incidents(services)
    assert incident.kind == "duty_room_unwatched" and incident.status == "open"
    assert incident.summary == "无人值守超过10分钟（值班：张三）"
    # Counted from the picture in which the person got up and went (their last movement).
    assert incident.opened_at == left + timedelta(minutes=10, seconds=STEP_S)
    assert incident.has_snapshot and services.alerts.snapshot_file(incident.id).stat().st_size > 1000
    # The leader the roster names for this shift is told.
    [message] = services.alerts.get(incident.id).notifications
    assert message.recipient_name == "乌云" and "苏木值班室" in message.text
    desk.show(None, 5)
    assert incidents(services)[0].count == 1  # still empty: one incident, counted once
    # Someone sits down again: the incident clears by itself.
    desk.show(BACK_TURNED, 2)
    assert incidents(services)[0].status == "resolved"
    # The retention job keeps the snapshot for retention.incident_snapshot_days (180 by default).
    snapshot = services.alerts.snapshot_file(incident.id)
    retention = Retention(services.db, services.config.data_dir, services.config.settings.retention)
    assert retention.run(clock() + timedelta(days=179)).files_deleted == 0 and snapshot.is_file()
    assert retention.run(clock() + timedelta(days=181)).files_deleted == 1 and not snapshot.exists()
    assert not incidents(services)[0].has_snapshot  # the incident stays, without the picture


def test_a_short_absence_raises_nothing_and_shows_in_the_log(
    make_services: Callable[..., Services], clock: FakeClock
) -> None:
    services, desk = watch(make_services, clock, **NO_FACES)
    desk.show(None, 2)
    desk.show(BACK_TURNED, 4)
    desk.show(None, 8)  # a walk to the toilet and a cup of tea
    desk.show(BACK_TURNED, 12)
    assert incidents(services) == []
    log = services.duty_log.log("duty", MONDAY)
    absences = [s for s in log.timeline if s.state == "absent"]
    assert len(absences) == 2  # the empty desk before the first sitting, and the 8-minute break
    assert 7.5 <= absences[1].minutes <= 9.5
    assert log.timeline[-1].state == "present"
    assert log.longest_absence is not None and log.longest_absence.minutes == absences[1].minutes


def test_a_person_not_facing_the_camera_for_long_keeps_it_quiet(
    make_services: Callable[..., Services], clock: FakeClock
) -> None:
    services, desk = watch(make_services, clock, **NO_FACES)
    desk.show(None, 1)
    desk.show(BACK_TURNED, 45)
    assert incidents(services) == []
    assert services.dashboard.state().data["rooms"][0]["presence"]["state"] == "present"


def test_a_camera_going_offline_is_reported_and_its_silence_is_not_an_absence(
    make_services: Callable[..., Services], clock: FakeClock
) -> None:
    services, desk = watch(make_services, clock, **NO_FACES)
    desk.show(None, 2)
    desk.show(BACK_TURNED, 3)
    watch_ = services.duty_watch
    watch_.process_status(DeviceStatus(device_id="duty-cam", occurred_at=clock(), state="offline", detail="timeout"))
    clock.advance(minutes=30)
    watch_.tick()
    [offline] = incidents(services)
    assert (offline.kind, offline.subject, offline.summary) == ("camera_offline", "duty-cam", "值班摄像头值班桌离线")
    assert services.dashboard.state().data["cameras"][0]["state"] == "offline"
    log = services.duty_log.log("duty", MONDAY)
    assert log.timeline[-1].state == "unknown" and log.minutes["unknown"] >= 29
    watch_.process_status(DeviceStatus(device_id="duty-cam", occurred_at=clock(), state="online"))
    assert incidents(services)[0].status == "resolved"


def test_after_a_restart_the_absence_keeps_counting_from_when_it_began(
    make_services: Callable[..., Services], clock: FakeClock
) -> None:
    services, desk = watch(make_services, clock, **NO_FACES)
    desk.show(None, 2)
    desk.show(BACK_TURNED, 3)
    left = clock()
    desk.show(None, 6)
    services.close()
    restarted = make_services(**duty_config(**NO_FACES))  # same database, a new watch
    desk = Desk(restarted, clock)
    desk.i = 1000
    clock.advance(seconds=30)  # the restart took half a minute
    desk.show(None, 4.5)
    [incident] = incidents(restarted)
    assert incident.opened_at == left + timedelta(minutes=10, seconds=STEP_S)
