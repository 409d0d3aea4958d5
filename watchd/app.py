"""The composition root: the one place that builds the application from the loaded configuration.

- `build_services`: the services the API and the command-line tools use; nothing runs (the
  runtime is idle unless one is given). Tests and tools build this.
- `build_daemon`: `watchd run`: the same services plus the camera watch, the device supervisor,
  the lease keeper, the scheduler (upkeep notices, retention, attendance jobs) and the alert
  runner, with one `Runtime` that is complete and frozen when the services get it.
- `build_supervisor`: the device supervisor wired to the services (the daemon's, or a test's).

No import-time globals; every clock and every monotonic time comes from here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import fields
from datetime import UTC, datetime, timedelta

from devices.backoff import REAL_TIME, Timing
from devices.registry import CameraConfig, Role, has_role
from watchd.alerts.oncall import ConfiguredOnCall
from watchd.alerts.runner import AlertRunner
from watchd.alerts.service import AlertService
from watchd.cluster import LeaseKeeper, node_name
from watchd.container import Core, Services
from watchd.daemon import Daemon
from watchd.db.migrate import upgrade
from watchd.db.session import Database, build_engine
from watchd.domain.notices import NoticeSink
from watchd.domain.observations import ObservationSink
from watchd.ops.heartbeat import Heartbeats
from watchd.ops.runtime import Runtime
from watchd.pipeline.camera_watch.watch import CameraWatchService
from watchd.pipeline.duty_watch.watch import DutyWatch
from watchd.pipeline.supervisor import DeviceSupervisor
from watchd.scheduling import build_scheduler
from watchd.services.appraisal import AppraisalService
from watchd.services.appraisal.texts import OutboxCodeTexts
from watchd.services.attendance import AttendanceService
from watchd.services.auth import AuthService
from watchd.services.checkins import CheckinService
from watchd.services.dashboard import Dashboard
from watchd.services.duty import DutyLog, DutyService, PresenceRecorder, RosterOnCall
from watchd.services.duty.staffing import DeskStaffing
from watchd.services.holiday_notice import HolidayNoticeService
from watchd.services.leave import LeaveService
from watchd.services.notices import NoticeService
from watchd.services.people import PeopleService
from watchd.services.person_duties import PersonDuties
from watchd.services.punches import PunchService
from watchd.services.rectification import RectificationService
from watchd.services.spot_checks import SpotCheckService
from watchd.services.visits import OutboxReminders, VisitService
from watchd.services.worklog import CompletionShare, WorklogService
from watchd.settings.load import LoadedConfig
from watchd.vision.recognition import RecognitionEngine

__all__ = ["Core", "Daemon", "Services", "build_daemon", "build_services", "build_supervisor", "utc_now"]
log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _build_core(config: LoadedConfig, clock: Callable[[], datetime], recognition_workers: int | None) -> Core:
    """Migrate the database, apply the config's sites/people/devices, load the face gallery."""
    settings = config.settings
    config.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(build_engine(config.database_url, pool_size=settings.database.pool_size))
    upgrade(db.engine)
    engine = RecognitionEngine(settings.recognition, workers=recognition_workers)
    auth = AuthService(db, clock, timedelta(hours=settings.server.token_ttl_hours))
    people = PeopleService(
        db, engine, clock, config.data_dir, keep_photos=settings.recognition.keep_enrollment_photos
    )
    people.sync_from_config(settings)
    checkins = CheckinService(db, engine, settings, config.data_dir, clock)
    log.info("services ready: database %s, data in %s", db.dialect, config.data_dir)
    duty = DutyService(db, settings, clock)
    oncall = RosterOnCall(duty, ConfiguredOnCall(db, settings.alerts.on_call))
    people.check_free = PersonDuties(duty).check_free
    alerts = AlertService(db, settings, config.data_dir, clock, oncall=oncall)
    recorder = PresenceRecorder(db)
    alerts.review.staffing = DeskStaffing(db, duty, recorder)
    punches = PunchService(db, settings, checkins, clock)
    notices = NoticeService(db, settings, clock, alerts)
    attendance = AttendanceService(db, settings, clock, notices=notices, duty=duty)
    notices.workday = attendance.is_workday
    leave = LeaveService(db, attendance, clock, duty=duty)
    visits = VisitService(db, settings, config.data_dir, clock, reminders=OutboxReminders(alerts))
    spot_checks = SpotCheckService(db, duty, alerts, clock)
    alerts.replies.claimer = spot_checks  # a reply quoting a spot check's code answers it
    duty_log = DutyLog(db, duty, recorder, clock, spot_checks=spot_checks)
    cameras = {d.id: d.name for d in settings.devices if has_role(d.kind, Role.duty_camera)}
    duty_watch = DutyWatch(duty, recorder, engine, alerts, config.data_dir, clock, cameras)
    worklog = WorklogService(
        db, settings, clock, duty, attendance.is_workday, reminders=OutboxReminders(alerts),
        leave_days=attendance.leave_days,
    )
    return Core(
        config,
        db,
        engine,
        auth,
        people,
        checkins,
        clock,
        alerts,
        punches,
        attendance,
        leave,
        visits,
        duty=duty,
        duty_log=duty_log,
        duty_watch=duty_watch,
        notices=notices,
        holiday_notice=HolidayNoticeService(db, attendance, clock),
        worklog=worklog,
        appraisal=AppraisalService(
            db, settings, config.data_dir, clock, texts=OutboxCodeTexts(alerts), worklog=CompletionShare(worklog)
        ),
        rectification=RectificationService(db, settings, config.data_dir, clock, reminders=OutboxReminders(alerts)),
        spot_checks=spot_checks,
    )


def _finish(core: Core, runtime: Runtime) -> Services:
    """The services with the duty screen, which reads what this process runs."""
    dashboard = Dashboard(
        core.db, core.duty, core.duty_log, core.duty_watch.recorder, core.alerts, core.clock, runtime
    )
    parts = {f.name: getattr(core, f.name) for f in fields(Core)}
    return Services(**parts, dashboard=dashboard, runtime=runtime)


def build_services(
    config: LoadedConfig,
    *,
    clock: Callable[[], datetime] = utc_now,
    recognition_workers: int | None = None,
    runtime: Runtime | None = None,
) -> Services:
    """The services alone (tools, tests): nothing started; `runtime` idle unless given."""
    return _finish(_build_core(config, clock, recognition_workers), runtime or Runtime())


def build_supervisor(
    core: Core,
    *,
    heartbeats: Heartbeats,
    observations: ObservationSink | None = None,
    notices: NoticeSink | None = None,
    leased: bool = False,
    timing: Timing = REAL_TIME,
    cameras: CameraWatchService | None = None,
) -> DeviceSupervisor:
    """The device supervisor with the camera watch, the duty watch and the punch service of `core`;
    observations go to the alert service and notices to the notice service unless others are given."""
    settings = core.config.settings
    observations = core.alerts if observations is None else observations
    if cameras is None:
        cameras = CameraWatchService(
            [d for d in settings.devices if isinstance(d, CameraConfig)],
            settings.camera_watch,
            core.db,
            core.config.data_dir,
            core.clock,
            settings.zone,
            observations=observations,
            heartbeats=heartbeats,
            notices=core.notices if notices is None else notices,
            timing=timing,
            node=node_name(settings.cluster),
        )
    return DeviceSupervisor(
        list(settings.devices),
        core.checkins,
        core.engine,
        settings.liveness,
        core.clock,
        punches=core.punches,
        observations=observations,
        cameras=cameras,
        duty=core.duty_watch,
        heartbeats=heartbeats,
        leased=leased,
        timing=timing,
    )


def build_daemon(
    config: LoadedConfig,
    *,
    clock: Callable[[], datetime] = utc_now,
    recognition_workers: int | None = None,
    timing: Timing = REAL_TIME,
) -> Daemon:
    """Everything `watchd run` runs, built and wired; `Daemon.start` starts it."""
    settings = config.settings
    core = _build_core(config, clock, recognition_workers)
    heartbeats = Heartbeats(timing.monotonic)
    supervisor = build_supervisor(core, heartbeats=heartbeats, leased=True, timing=timing)
    scheduler_on = settings.attendance.scheduler_enabled
    runtime = Runtime(heartbeats, supervisor, scheduler_running=scheduler_on, alert_runner_running=True)
    services = _finish(core, runtime)
    return Daemon(
        services,
        supervisor,
        LeaseKeeper(core.db, settings.cluster, supervisor),
        build_scheduler(services) if scheduler_on else None,
        AlertRunner(core.alerts, heartbeats),
    )
