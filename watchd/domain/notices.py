"""Notices: upkeep for the administrator, never an incident.

An incident is something on a site that a leader must act on (motion, a dead camera, an unwatched
duty room); it escalates along the on-call chain. A notice is upkeep: next year's holidays not
entered, a disk filling, a certificate expiring, terminal users not mapped to people, a node lost,
a camera whose keyframe interval makes keyframe-only idling blind. Notices are shown to
administrators and sent once to the administrator contacts in working hours; they never reach the
leader on duty and never escalate.

Producers report a condition with `active=True` and its clearing with `active=False` under the same
`key`, like observations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo


class NoticeKind(StrEnum):
    calendar_missing = "calendar_missing"  # next year's holidays are not known yet
    disk_low = "disk_low"  # the data directory's disk is filling
    certificate_expiring = "certificate_expiring"  # the server's TLS certificate
    unmapped_terminal_users = "unmapped_terminal_users"  # terminal users not mapped to people
    node_lost = "node_lost"  # a node of the cluster stopped renewing its leases
    camera_keyframe_interval = "camera_keyframe_interval"  # keyframe-only idling would be blind
    no_recipient = "no_recipient"  # an alert found nobody to reach along its chain


KIND_LABELS: dict[NoticeKind, str] = {
    NoticeKind.calendar_missing: "节假日安排未录入",
    NoticeKind.disk_low: "磁盘空间不足",
    NoticeKind.certificate_expiring: "HTTPS证书即将到期",
    NoticeKind.unmapped_terminal_users: "终端工号未对应人员",
    NoticeKind.node_lost: "节点失去联系",
    NoticeKind.camera_keyframe_interval: "摄像头关键帧间隔过长",
    NoticeKind.no_recipient: "警情无人可通知",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Notice:
    kind: NoticeKind
    subject: str  # what it is about: a year, a camera id, a node name, a path
    observed_at: datetime
    active: bool = True  # False: the condition has cleared
    text: str = ""  # Chinese text saying what to do, in watchd (a page, a key), not in Python
    details: Mapping[str, object] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """One notice per condition: repeats while it is open change nothing."""
        return f"{self.kind.value}:{self.subject}"


class NoticeSink(Protocol):
    """Where producers report notices (implemented by the notice service)."""

    def notice(self, notice: Notice) -> None: ...


def kind_label(kind: str) -> str:
    """The Chinese name of a notice kind (the kind itself for one this version does not know)."""
    try:
        return KIND_LABELS[NoticeKind(kind)]
    except (KeyError, ValueError):
        return kind


def in_working_hours(
    now: datetime, zone: ZoneInfo, start: time, end: time, *, workday: Callable[[date], bool] | None
) -> bool:
    """Whether a notice may be sent now: between `start` and `end` local time, on a working day
    (`workday` is None: every day)."""
    local = now.astimezone(zone)
    if not start <= local.time().replace(tzinfo=None) < end:
        return False
    return workday is None or workday(local.date())


def calendar_missing_text(year: int) -> str:
    return (
        f"{year}年节假日安排尚未录入，考勤暂按周末计算：请在 /reports 页“节假日”中粘贴国务院办公厅关于{year}年"
        "部分节假日安排的通知并确认，或逐日录入"
    )
