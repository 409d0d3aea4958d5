"""All tables; importing this module registers them on Base.metadata."""

from watchd.db.models.alerts import (
    DeliveryAttempt,
    InboundReplyRecord,
    Incident,
    IncidentEvent,
    Notification,
    NotificationIncident,
    ObservationRecord,
    RunnerLease,
)
from watchd.db.models.appraisal import (
    AppraisalBallot,
    AppraisalCadre,
    AppraisalCode,
    AppraisalDevice,
    AppraisalPooled,
    AppraisalRollEntry,
    AppraisalRound,
    AppraisalScore,
    AppraisalTally,
    AppraisalVoter,
)
from watchd.db.models.attendance import (
    AttendanceCursor,
    AttendanceDay,
    CalendarOverride,
    DeviceWatermark,
    Household,
    LeaveRequest,
    MakeupRequest,
    Pairing,
    Reminder,
    SchedulerRun,
    SettledDay,
    SuspectPunch,
    Visit,
)
from watchd.db.models.audit import AuditEntry
from watchd.db.models.auth import AuthToken, User
from watchd.db.models.camera_events import CameraEvent
from watchd.db.models.checkin import Checkin
from watchd.db.models.cluster import NodeRecord, WorkLease
from watchd.db.models.duty import DutyAssignment, DutyNote, DutyPresence, DutySwap
from watchd.db.models.notices import NoticeRecord
from watchd.db.models.people import FaceTemplate, Person, PersonVillage
from watchd.db.models.punches import RawPunch, TerminalState, TerminalUserMap
from watchd.db.models.rectification import RectificationItem
from watchd.db.models.review import ReviewItem
from watchd.db.models.sites import Device, Site
from watchd.db.models.spot_checks import SpotCheck, SpotCheckPlan
from watchd.db.models.worklog import PlanItem, WorkLog, WorkLogComment, WorkLogRevision

__all__ = [
    "DeliveryAttempt", "InboundReplyRecord", "Incident", "IncidentEvent", "Notification", "NotificationIncident",
    "ObservationRecord", "RunnerLease",
]
__all__ += ["AuthToken", "Checkin", "Device", "FaceTemplate", "Person", "PersonVillage", "Site", "User"]
__all__ += [
    "AttendanceCursor", "AttendanceDay", "CalendarOverride", "DeviceWatermark", "Household", "LeaveRequest",
    "MakeupRequest", "Pairing", "Reminder", "SchedulerRun", "SettledDay", "SuspectPunch", "Visit",
]
__all__ += ["RawPunch", "TerminalState", "TerminalUserMap"]
__all__ += ["AuditEntry"]
__all__ += ["CameraEvent"]
__all__ += ["DutyAssignment", "DutyNote", "DutyPresence", "DutySwap"]
__all__ += ["NodeRecord", "WorkLease"]
__all__ += ["NoticeRecord"]
__all__ += ["PlanItem", "WorkLog", "WorkLogComment", "WorkLogRevision"]
__all__ += [
    "AppraisalBallot", "AppraisalCadre", "AppraisalCode", "AppraisalDevice", "AppraisalPooled", "AppraisalRollEntry",
    "AppraisalRound", "AppraisalScore", "AppraisalTally", "AppraisalVoter", "RectificationItem",
]
__all__ += ["SpotCheck", "SpotCheckPlan"]
__all__ += ["ReviewItem"]
