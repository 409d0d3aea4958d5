"""Chinese labels for statuses, day kinds and leave types, shared by reports and pages."""

from __future__ import annotations

from watchd.domain.leave import LEAVE_NAMES, LeaveKind

STATUS_NAMES = {
    "present": "出勤",
    "absent": "缺勤",
    "leave": "请假",
    "on_duty": "值班",
    "duty_rest": "值班补休",
    "holiday": "节假日",
    "rest_day": "休息日",
    "pending": "待定",
}
KIND_NAMES = {"workday": "工作日", "adjusted_workday": "调休上班", "weekend": "休息日", "holiday": "节假日"}
SESSION_STATE_NAMES = {"ok": "正常", "incomplete": "缺卡", "absent": "缺勤", "leave": "请假", "pending": "进行中"}


def leave_name(kind: str) -> str:
    try:
        return LEAVE_NAMES[LeaveKind(kind)]
    except ValueError:
        return kind


def status_label(
    status: str, *, late: int = 0, early: int = 0, missing: int = 0, absent_sessions: int = 0, on_leave: bool = False
) -> str:
    """出勤 for a clean day; otherwise what went wrong, e.g. 迟到、早退; part-day leave is named too."""
    if status == "absent":
        return "请假、缺勤" if on_leave else "缺勤"
    if status != "present":
        return STATUS_NAMES.get(status, status)
    parts = []
    if late:
        parts.append("迟到")
    if early:
        parts.append("早退")
    if missing:
        parts.append("缺卡")
    if absent_sessions:
        parts.append("半天缺勤")
    if on_leave:
        parts.append("请假")
    if not parts or parts == ["请假"]:
        parts.insert(0, "出勤")
    return "、".join(parts)
