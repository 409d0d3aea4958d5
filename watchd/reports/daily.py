"""The daily attendance report: every person's day by organisation and village, with summaries."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

from watchd.db.session import Database
from watchd.domain.attendance.labels import KIND_NAMES, leave_name, status_label
from watchd.reports.table import Column, Kind, ReportTable, why_empty
from watchd.services.attendance import AttendanceService, DailyView, DayRecord
from watchd.services.directory import Directory, load_directory

WEEKDAYS = "一二三四五六日"


def _hhmm(value: str | None, zone: ZoneInfo) -> str:
    return datetime.fromisoformat(value).astimezone(zone).strftime("%H:%M") if value else "—"


def _session_text(session: dict[str, object], zone: ZoneInfo) -> str:
    state = session.get("state")
    if state == "leave":
        return "请假"
    if state == "absent":
        return "缺勤"
    return f"{_hhmm(_str(session.get('checkin_at')), zone)}–{_hhmm(_str(session.get('checkout_at')), zone)}"


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def day_heading(view: DailyView) -> str:
    cal = view.calendar
    kind = cal.name + ("（调休上班）" if cal.kind.value == "adjusted_workday" else "") if cal.name else KIND_NAMES[cal.kind.value]
    state = "已结算" if view.settled else "未结算（实时）"
    if view.provisional:
        state = "已结算（有设备未按时上报，迟到的上传会自动更正）"
    return f"{view.day.isoformat()} 星期{WEEKDAYS[view.day.weekday()]} · {kind} · {state}"


def daily_tables(
    attendance: AttendanceService, db: Database, day: date, *, organisation: str | None = None
) -> list[ReportTable]:
    view = attendance.daily(day)
    directory = load_directory(db)
    zone = attendance.zone
    township = attendance.settings.township
    records = [r for r in view.records if organisation is None or r.organisation == organisation]
    records.sort(key=lambda r: (r.organisation, _villages(directory, r.person_id), r.person_id))
    sessions = max((r.session_count for r in records), default=2)
    names = [s.name for s in attendance.default_rules.schedule_for(day).sessions]
    names += [f"第{i + 1}段" for i in range(len(names), sessions)]
    detail = ReportTable(
        title=f"{township}考勤日报", sheet="考勤明细", subtitle=day_heading(view),
        columns=[
            Column("单位", 14), Column("包联嘎查（村）", 12), Column("编号", 8), Column("姓名", 8), Column("状态", 12),
            *[Column(f"{n}（签到–签退）", 13) for n in names[:sessions]],
            Column("迟到（分钟）", 7, Kind.int), Column("早退（分钟）", 7, Kind.int), Column("缺卡（次）", 6, Kind.int),
            Column("请假", 10), Column("驻村", 10), Column("备注", 18),
        ],
    )
    for r in records:
        session_cells: list[str | int | float | None] = [
            _session_text(r.sessions[i], zone) if i < len(r.sessions) else "" for i in range(sessions)
        ]
        notes = []
        if r.suspect_punches:
            notes.append(f"设备时钟异常的打卡{r.suspect_punches}条")
        detail.rows.append([
            r.organisation, _villages(directory, r.person_id), r.person_id, directory.person_name(r.person_id),
            status_label(r.status, late=r.late_count, early=r.early_count, missing=r.missing_punches,
                         absent_sessions=r.absent_sessions if r.attended_sessions else 0, on_leave=bool(r.leave)),
            *session_cells, r.late_minutes, r.early_minutes, r.missing_punches,
            "、".join(leave_name(k) for k in r.leave), directory.site_name(r.village_site_id), "；".join(notes),
        ])
    for s in view.suspects:
        if organisation is None or directory.people.get(s.person_id, None) is None or (
            directory.people[s.person_id].organisation == organisation
        ):
            detail.notes.append(
                f"设备时钟异常：{directory.person_name(s.person_id)} 在 {s.device_id} 的打卡，设备时间 "
                f"{s.occurred_at.astimezone(zone):%Y-%m-%d %H:%M}，收到时间 {s.received_at.astimezone(zone):%H:%M}，未计入考勤，"
                "如属实请补卡。"
            )
    by_organisation = _by_organisation(records, view, township)
    detail.empty = by_organisation.empty = why_empty(
        day, attendance.today(), organisation, period=f"{day.month}月{day.day}日"
    )
    return [detail, by_organisation, _by_village(records, directory, view, township)]


def _villages(directory: Directory, person_id: str) -> str:
    entry = directory.people.get(person_id)
    return "、".join(directory.site_name(v) for v in entry.villages) if entry else ""


def _by_organisation(records: list[DayRecord], view: DailyView, township: str) -> ReportTable:
    table = ReportTable(
        title=f"{township}考勤日报（按单位汇总）", sheet="按单位汇总", subtitle=day_heading(view),
        columns=[Column("单位", 16), Column("人数", 6, Kind.int), Column("出勤", 6, Kind.int),
                 Column("迟到", 6, Kind.int), Column("早退", 6, Kind.int), Column("缺卡", 6, Kind.int),
                 Column("缺勤", 6, Kind.int), Column("请假", 6, Kind.int), Column("值班/补休", 8, Kind.int),
                 Column("驻村", 6, Kind.int)],
    )
    groups: dict[str, list[DayRecord]] = defaultdict(list)
    for r in records:
        groups[r.organisation].append(r)
    for org, rows in sorted(groups.items()):
        status = Counter(r.status for r in rows)
        table.rows.append([
            org or "未分组", len(rows), status["present"], sum(1 for r in rows if r.late_count),
            sum(1 for r in rows if r.early_count), sum(1 for r in rows if r.missing_punches), status["absent"],
            status["leave"], status["on_duty"] + status["duty_rest"], sum(1 for r in rows if r.village_site_id),
        ])
    return table


def _by_village(records: list[DayRecord], directory: Directory, view: DailyView, township: str) -> ReportTable:
    table = ReportTable(
        title=f"{township}考勤日报（按嘎查村汇总）", sheet="按嘎查村汇总", subtitle=day_heading(view),
        columns=[Column("嘎查（村）", 12), Column("包联干部", 6, Kind.int), Column("当日驻村", 6, Kind.int),
                 Column("未到村的包联干部", 40)],
    )
    by_person = {r.person_id: r for r in records}
    for vid in directory.village_ids:
        assigned = [p for p in directory.people.values() if vid in p.villages and p.id in by_person]
        there = [p for p in assigned if by_person[p.id].village_site_id == vid]
        missing = [p.name for p in assigned if by_person[p.id].village_site_id != vid]
        table.rows.append([directory.site_name(vid), len(assigned), len(there), "、".join(missing)])
    return table
