"""The composition root: builds every service from the loaded configuration. No import-time globals."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from devices.registry import Role, has_role
from watchd.alerts.oncall import ConfiguredOnCall
from watchd.alerts.service import AlertService
from watchd.db.migrate import upgrade
from watchd.db.session import Database, build_engine
from watchd.ops.runtime import Runtime
from watchd.pipeline.duty_watch.watch import DutyWatch
from watchd.services.appraisal import AppraisalService
from watchd.services.appraisal.texts import OutboxCodeTexts
from watchd.services.attendance import AttendanceService
from watchd.services.auth import AuthService
from watchd.services.checkins import CheckinService
from watchd.services.dashboard import Dashboard
from watchd.services.duty import DutyService
from watchd.services.duty_log import DutyLog
from watchd.services.duty_oncall import RosterOnCall
from watchd.services.duty_presence import PresenceRecorder
from watchd.services.holiday_notice import HolidayNoticeService
from watchd.services.leave import LeaveService
from watchd.services.notices import NoticeService
from watchd.services.people import PeopleService
from watchd.services.punches import PunchService
from watchd.services.rectification import RectificationService
from watchd.services.reminder_outbox import OutboxReminders
from watchd.services.visits import VisitService
from watchd.settings.load import LoadedConfig
from watchd.vision.recognition import RecognitionEngine

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class Services:
    config: LoadedConfig
    db: Database
    engine: RecognitionEngine
    auth: AuthService
    people: PeopleService
    checkins: CheckinService
    clock: Callable[[], datetime]
    alerts: AlertService
    punches: PunchService
    attendance: AttendanceService
    leave: LeaveService
    visits: VisitService
    duty: DutyService
    duty_log: DutyLog
    duty_watch: DutyWatch
    dashboard: Dashboard
    notices: NoticeService  # upkeep for the administrator: the NoticeSink producers report to
    holiday_notice: HolidayNoticeService  # the State Council's notice pasted on /reports
    appraisal: AppraisalService  # the 1135 appraisal (its work-log provider is injected here, when there is one)
    rectification: RectificationService  # 整改台账
    runtime: Runtime = field(default_factory=Runtime)  # heartbeats and running parts (/healthz, /metrics)

    def close(self) -> None:
        self.engine.close()
        self.db.dispose()


def build_services(
    config: LoadedConfig, *, clock: Callable[[], datetime] = utc_now, recognition_workers: int | None = None
) -> Services:
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
    alerts = AlertService(db, settings, config.data_dir, clock, oncall=oncall)
    punches = PunchService(db, settings, checkins, clock)
    notices = NoticeService(db, settings, clock, alerts)
    attendance = AttendanceService(db, settings, clock, notices=notices, duty=duty)
    notices.workday = attendance.is_workday
    leave = LeaveService(db, attendance, clock, duty=duty)
    visits = VisitService(db, settings, config.data_dir, clock, reminders=OutboxReminders(alerts))
    recorder = PresenceRecorder(db)
    duty_log = DutyLog(db, duty, recorder, clock)
    cameras = {d.id: d.name for d in settings.devices if has_role(d.kind, Role.duty_camera)}
    duty_watch = DutyWatch(duty, recorder, engine, alerts, config.data_dir, clock, cameras)
    runtime = Runtime()
    dashboard = Dashboard(db, duty, duty_log, recorder, alerts, clock, runtime)
    return Services(
        config, db, engine, auth, people, checkins, clock, alerts, punches, attendance, leave, visits,
        duty=duty, duty_log=duty_log, duty_watch=duty_watch, dashboard=dashboard, runtime=runtime,
        notices=notices, holiday_notice=HolidayNoticeService(db, attendance, clock),
        appraisal=AppraisalService(db, settings, config.data_dir, clock, texts=OutboxCodeTexts(alerts)),
        rectification=RectificationService(db, settings, config.data_dir, clock, reminders=OutboxReminders(alerts)),
    )
