"""The built parts of the application, as the API routes, the scheduler, the reports and the
command line hold them. Built only by the composition root (watchd/app.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from watchd.alerts.service import AlertService
from watchd.db.session import Database
from watchd.ops.runtime import Runtime
from watchd.pipeline.duty_watch.watch import DutyWatch
from watchd.services.appraisal import AppraisalService
from watchd.services.attendance import AttendanceService
from watchd.services.auth import AuthService
from watchd.services.checkins import CheckinService
from watchd.services.dashboard import Dashboard
from watchd.services.duty import DutyLog, DutyService
from watchd.services.holiday_notice import HolidayNoticeService
from watchd.services.leave import LeaveService
from watchd.services.notices import NoticeService
from watchd.services.people import PeopleService
from watchd.services.punches import PunchService
from watchd.services.rectification import RectificationService
from watchd.services.spot_checks import SpotCheckService
from watchd.services.visits import VisitService
from watchd.services.worklog import WorklogService
from watchd.settings.load import LoadedConfig
from watchd.vision.recognition import RecognitionEngine


@dataclass(slots=True)
class Core:
    """The services (and the duty watch) without what reads the running process."""

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
    notices: NoticeService  # upkeep for the administrator: the NoticeSink producers report to
    holiday_notice: HolidayNoticeService  # the State Council's notice pasted on /reports
    worklog: WorklogService  # daily work logs and the weekly plan (工作日志, 周例会)
    appraisal: AppraisalService  # the 1135 appraisal (its work-log figures come from the work log)
    rectification: RectificationService  # 整改台账
    spot_checks: SpotCheckService  # 查岗: random checks that the officer on duty is at the desk

    def close(self) -> None:
        self.engine.close()
        self.db.dispose()


@dataclass(slots=True)
class Services(Core):
    """Everything the API serves from: the services, the duty screen and what this process runs."""

    dashboard: Dashboard
    runtime: Runtime  # heartbeats and running parts (/healthz, /metrics), complete when built
