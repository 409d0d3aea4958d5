"""Who may do what: the permissions, and the roles that hold them.

Every API route names exactly one permission (api/access.py); this table is the only place that
says which roles hold it, and docs/access.md prints it for people. Row-level rules come on top
and live in the services: a login whose username is a person id acts as that person, so a cadre
sees and files only their own leave, make-up punches and visits, and a leader decides only for
their own organisation.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Permission(StrEnum):
    # people and biometric data
    people_read = "people.read"
    people_manage = "people.manage"
    biometrics_manage = "biometrics.manage"  # face templates and enrolment photos: enrol, export, erase
    # check-ins
    checkins_read = "checkins.read"
    checkin_snapshots_read = "checkins.snapshots.read"
    # cameras, incidents, alerts, the duty-room screen
    cameras_read = "cameras.read"
    camera_media_read = "cameras.media.read"  # camera and incident snapshots, clips
    incidents_read = "incidents.read"
    incidents_respond = "incidents.respond"
    observations_report = "observations.report"
    alerts_manage = "alerts.manage"
    dashboard_read = "dashboard.read"
    # duty
    duty_read = "duty.read"
    duty_roster_manage = "duty.roster.manage"
    duty_swap_request = "duty.swaps.request"
    duty_swap_decide = "duty.swaps.decide"
    duty_log_read = "duty.log.read"
    duty_log_write = "duty.log.write"
    duty_desk_mark = "duty.desk.mark"  # "the desk is empty now" for the duty-room cameras
    spot_checks_answer = "duty.spotchecks.answer"  # the duty-room screen: see and answer a spot check (查岗)
    spot_checks_start = "duty.spotchecks.start"  # the leader on duty starts a spot check
    review_decide = "review.decide"  # video verification: claim a camera event, say real / false alarm / handled
    # attendance, leave, visits
    self_service = "self.service"  # own days, leave, make-ups, visits, pairings, reminders
    reports_read = "reports.read"
    worklog_review = "worklog.review"  # the organisation's work logs: who wrote, comments, the weekly meeting
    leave_decide = "leave.decide"
    attendance_manage = "attendance.manage"  # settlement, holiday calendar, watermarks, jobs
    pairings_manage = "pairings.manage"
    # the 1135 appraisal and the rectification ledger
    appraisal_manage = "appraisal.manage"  # rounds, rolls, codes (slips and texts)
    appraisal_read = "appraisal.read"  # rounds and the appraisal sheet (a leader: their organisation's cadres)
    appraisal_vote = "appraisal.vote"  # vote by login (leaders, fellow cadres)
    rectification_read = "rectification.read"  # the ledger (a cadre: their own items)
    rectification_manage = "rectification.manage"  # open items, sign them off (销号)
    # terminals, sites, devices, audit
    sites_read = "sites.read"
    terminals_read = "terminals.read"  # terminals, their mappings and unknown device users
    terminals_manage = "terminals.manage"
    devices_manage = "devices.manage"
    audit_read = "audit.read"
    cluster_read = "cluster.read"  # nodes and which node runs which device
    notices_manage = "notices.manage"  # upkeep notices for the administrator: read and acknowledge


P = Permission
ROLE_NAMES: Final = {"admin": "管理员", "leader": "领导", "duty_officer": "值班员", "cadre": "干部"}

_EVERYONE = frozenset({
    P.self_service, P.sites_read, P.duty_read, P.duty_swap_request, P.appraisal_vote, P.rectification_read,
})
_WATCH = frozenset({
    P.people_read, P.cameras_read, P.camera_media_read, P.incidents_read, P.incidents_respond,
    P.dashboard_read, P.duty_log_read, P.duty_log_write, P.duty_desk_mark,
})

#: The matrix. admin holds every permission.
GRANTS: Final[dict[str, frozenset[Permission]]] = {
    "admin": frozenset(Permission),
    "leader": _EVERYONE | _WATCH | {
        P.checkins_read, P.checkin_snapshots_read, P.reports_read, P.leave_decide, P.duty_swap_decide,
        P.terminals_read, P.worklog_review, P.appraisal_read, P.rectification_manage, P.spot_checks_start,
    },
    "duty_officer": _EVERYONE | _WATCH | {P.spot_checks_answer, P.review_decide},
    "cadre": _EVERYONE,
}

#: Chinese names, for the 403 message and the documentation.
LABELS: Final = {
    P.people_read: "查看人员名单",
    P.people_manage: "管理人员",
    P.biometrics_manage: "管理人脸模板与录入照片（录入、导出、删除）",
    P.checkins_read: "查看签到记录",
    P.checkin_snapshots_read: "查看签到抓拍照片",
    P.cameras_read: "查看摄像机与事件",
    P.camera_media_read: "查看摄像机与警情的抓拍和录像",
    P.incidents_read: "查看警情",
    P.incidents_respond: "确认和处置警情",
    P.observations_report: "手工上报事件",
    P.alerts_manage: "管理通知渠道与发件箱",
    P.dashboard_read: "查看值班大屏",
    P.duty_read: "查看值班表",
    P.duty_roster_manage: "编排值班表",
    P.duty_swap_request: "申请换班",
    P.duty_swap_decide: "审批换班",
    P.duty_log_read: "查看值班日志",
    P.duty_log_write: "填写值班日志",
    P.duty_desk_mark: "标记值班座位为空（摄像机参照画面）",
    P.spot_checks_answer: "在值班室屏幕上应答查岗",
    P.spot_checks_start: "发起查岗（当班带班领导）",
    P.review_decide: "视频复核（领取事件，判定属实、误报或已处置）",
    P.self_service: "查看和办理本人的考勤、请假、补卡与走访",
    P.reports_read: "查看考勤报表",
    P.worklog_review: "查看本单位工作日志与周例会并批注",
    P.leave_decide: "审批请假与补卡",
    P.attendance_manage: "管理考勤结算与节假日",
    P.pairings_manage: "导入结对帮扶名单",
    P.appraisal_manage: "组织考核评议（轮次、名册、评议码）",
    P.appraisal_read: "查看考核评议结果",
    P.appraisal_vote: "参加考核评议投票",
    P.rectification_read: "查看整改台账",
    P.rectification_manage: "建立和销号整改事项",
    P.sites_read: "查看地点",
    P.terminals_read: "查看考勤终端与人员对应",
    P.terminals_manage: "管理考勤终端",
    P.devices_manage: "管理设备与令牌",
    P.audit_read: "查看操作日志",
    P.cluster_read: "查看节点与设备分配",
    P.notices_manage: "查看和知悉维护提醒",
}


def allows(role: str, permission: Permission) -> bool:
    return permission in GRANTS.get(role, frozenset())


def roles_with(permission: Permission) -> list[str]:
    return [role for role, held in GRANTS.items() if permission in held]
