"""Retention: old pictures lose their row reference first, then the file; orphans are swept; both databases."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from tests.helpers.clocks import FakeClock
from tests.watchd.alerts.alerting import alert_config
from watchd.app import Services
from watchd.db.repositories.people import PeopleRepository
from watchd.domain.observations import Observation, ObservationKind
from watchd.ops.retention import Retention
from watchd.scheduling import JobRunner, lock_for, retention_job
from watchd.services.checkins import NewCheckin


def checkin(services: Services, key: str, at: datetime) -> int:
    out = services.checkins.record(NewCheckin(
        key=key, person_id="c001", device_id="kiosk-bayan", occurred_at=at, method="kiosk_face",
        liveness="passed", snapshot=b"\xff\xd8jpeg" + key.encode(),
    ))
    return out.checkin.id


def set_age(path: Path, now: datetime, hours: float) -> None:
    t = (now - timedelta(hours=hours)).timestamp()
    os.utime(path, (t, t))


def test_old_pictures_go_recent_ones_stay_and_rows_keep_their_history(
    make_services: Callable[..., Services], clock: FakeClock
) -> None:
    services = make_services(
        **alert_config(None),
        retention={"checkin_snapshot_days": 30, "enrollment_photo_days": 60, "incident_snapshot_days": 10},
    )
    data = services.config.data_dir
    old_id = checkin(services, "old", clock() - timedelta(days=31))
    new_id = checkin(services, "new", clock() - timedelta(days=29))
    old_snap = services.checkins.snapshot_file(old_id)
    new_snap = services.checkins.snapshot_file(new_id)
    assert old_snap is not None and new_snap is not None and old_snap.exists()

    photo = data / "photos" / "c001" / "abc.img"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"photo")
    with services.db.unit_of_work() as s:
        PeopleRepository(s).add_template(person_id="c001", encoding=b"\0" * 1024, model_version="t",
                                         photo_sha256="abc", photo_path="photos/c001/abc.img",
                                         now=clock() - timedelta(days=61))

    duty_snap = data / "duty" / "snapshots" / "room-unwatched.jpg"
    duty_snap.parent.mkdir(parents=True)
    duty_snap.write_bytes(b"jpeg")
    services.alerts.report(Observation(
        kind=ObservationKind.duty_room_unwatched, site_id="office", subject="room", occurred_at=clock() - timedelta(days=11),
        summary="值班室无人", snapshot_path="duty/snapshots/room-unwatched.jpg",
    ))

    clock.advance(minutes=1)
    report = Retention(services.db, data, services.config.settings.retention).run(clock())

    assert report.detached == {"checkin_snapshot": 1, "enrollment_photo": 1, "visit_photo": 0, "incident_snapshot": 1}
    assert not old_snap.exists() and not photo.exists() and not duty_snap.exists()
    assert new_snap.exists()
    old_view = services.checkins.get(old_id)
    assert not old_view.has_snapshot and old_view.person_id == "c001"  # the check-in itself stays
    assert services.checkins.get(new_id).has_snapshot
    assert services.people.get("c001").templates == 1  # the face template stays, only the photo went
    # A second run finds nothing more to do.
    again = Retention(services.db, data, services.config.settings.retention).run(clock())
    assert sum(again.detached.values()) == 0 and again.files_deleted == 0


def test_orphans_older_than_the_grace_are_swept_and_referenced_files_never(
    make_services: Callable[..., Services], clock: FakeClock
) -> None:
    services = make_services(retention={"checkin_snapshot_days": 0, "orphan_grace_hours": 24})
    data = services.config.data_dir
    kept_id = checkin(services, "kept", clock() - timedelta(days=400))
    kept = services.checkins.snapshot_file(kept_id)
    assert kept is not None
    set_age(kept, clock(), 400 * 24)
    crashed = data / "snapshots" / "2026-01-01" / "left-by-a-crash.jpg"  # file written, row never committed
    crashed.parent.mkdir(parents=True)
    crashed.write_bytes(b"jpeg")
    set_age(crashed, clock(), 25)
    writing = data / "visits" / "2026-11" / "being-written.jpg"  # its row is about to be committed
    writing.parent.mkdir(parents=True)
    writing.write_bytes(b"jpeg")
    set_age(writing, clock(), 1)

    report = Retention(services.db, data, services.config.settings.retention).run(clock())

    assert report.orphans_deleted == 1
    assert not crashed.exists() and not crashed.parent.exists()  # the emptied day folder goes too
    assert kept.exists() and writing.exists()


def test_the_daily_job_runs_once_a_day_and_catches_up_after_downtime(
    make_services: Callable[..., Services], clock: FakeClock
) -> None:
    services = make_services(retention={"checkin_snapshot_days": 30, "run_at": "03:30"})
    old_id = checkin(services, "old", clock() - timedelta(days=40))
    snap = services.checkins.snapshot_file(old_id)
    assert snap is not None and snap.exists()
    zone = services.config.settings.zone
    runner = JobRunner(services.db, [retention_job(services)], clock, lock_for(services.db, services.config.data_dir),
                       zone)
    done = runner.run_due("retention")  # first start: today's 03:30 slot is due (clock: 08:30 local)
    assert [d.astimezone(zone).strftime("%H:%M") for d in done] == ["03:30"]
    assert not snap.exists()
    assert runner.run_due("retention") == []  # the same day again: nothing due
    clock.advance(days=3)  # three days down: one catch-up run, not three
    assert len(runner.run_due("retention")) == 1
