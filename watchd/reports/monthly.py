"""The monthly attendance summary per person: the sheet the office prints and signs."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

from watchd.db.session import Database
from watchd.domain.attendance.monthly import MonthSummary, summarise
from watchd.domain.leave import LEAVE_NAMES, month_bounds
from watchd.reports.table import Column, Kind, ReportTable, why_empty
from watchd.services.attendance import AttendanceService
from watchd.services.directory import load_directory

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_of(text: str) -> date:
    """'2026-11' -> date(2026, 11, 1); ValueError with a clear message otherwise."""
    match = MONTH_RE.match(text.strip())
    if match is None:
        raise ValueError(f"month must look like 2026-11, not {text!r}")
    return date(int(match[1]), int(match[2]), 1)


def monthly_summaries(
    attendance: AttendanceService, month: date, *, organisation: str | None = None
) -> list[MonthSummary]:
    first, nxt = month_bounds(month)
    facts = attendance.month_facts(first, nxt - timedelta(days=1))
    out = []
    for person_id, days in sorted(facts.items()):
        if organisation is not None and not any(d.organisation == organisation for d in days):
            continue
        out.append(summarise(person_id, days, attendance.rate_for))
    return out


def monthly_table(
    attendance: AttendanceService, db: Database, month: date, *, organisation: str | None = None,
    generated_at: datetime | None = None,
) -> ReportTable:
    first, nxt = month_bounds(month)
    last = nxt - timedelta(days=1)
    summaries = monthly_summaries(attendance, month, organisation=organisation)
    directory = load_directory(db)
    kinds = list(LEAVE_NAMES)
    table = ReportTable(
        title=f"{attendance.settings.township}{month.year}年{month.month}月考勤汇总表",
        sheet=f"{month:%Y-%m}考勤汇总",
        subtitle=f"统计期间：{first.isoformat()} 至 {last.isoformat()}"
        + (f"　单位：{organisation}" if organisation else "")
        + (f"　生成时间：{generated_at.astimezone(attendance.zone):%Y-%m-%d %H:%M}" if generated_at else ""),
        columns=[
            Column("序号", 5, Kind.int), Column("单位", 14), Column("编号", 8), Column("姓名", 8),
            Column("应出勤（天）", 7, Kind.int), Column("出勤（天）", 7, Kind.number),
            Column("迟到（次）", 6, Kind.int), Column("迟到（分钟）", 7, Kind.int),
            Column("早退（次）", 6, Kind.int), Column("早退（分钟）", 7, Kind.int), Column("缺卡（次）", 6, Kind.int),
            Column("缺勤（天）", 7, Kind.number),
            *[Column(f"{LEAVE_NAMES[k]}（天）", 7, Kind.number) for k in kinds],
            Column("值班（天）", 6, Kind.int), Column("值班补休（天）", 7, Kind.int),
            Column("驻村（天）", 6, Kind.int), Column("驻村补助（元）", 9, Kind.money), Column("备注", 16),
        ],
    )
    total_days, total_money = 0, Decimal("0")
    for i, m in enumerate(summaries, start=1):
        entry = directory.people.get(m.person_id)
        notes = []
        if m.unsettled_days:
            notes.append(f"{m.unsettled_days}天未结算")
        if m.suspect_punches:
            notes.append(f"时钟异常打卡{m.suspect_punches}条")
        table.rows.append([
            i, entry.organisation if entry else "", m.person_id, directory.person_name(m.person_id), m.workdays,
            m.present_days, m.late_count, m.late_minutes, m.early_count, m.early_minutes, m.missing_punches,
            m.absent_days, *[m.leave_days.get(k.value, 0.0) for k in kinds], m.duty_days, m.duty_rest_days,
            m.village_days, float(m.allowance), "；".join(notes),
        ])
        total_days += m.village_days
        total_money += m.allowance
    table.empty = why_empty(first, attendance.today(), organisation, period=f"{month.year}年{month.month}月")
    table.notes.append(f"合计：{len(summaries)}人，驻村{total_days}天，驻村补助{total_money:.2f}元。")
    table.notes.append("说明：迟到、早退按整分钟计；请假、缺勤按上下午折算天数；驻村补助＝驻村天数×每日标准。")
    table.notes.append("制表：　　　　　　审核：　　　　　　负责人签字：")
    return table
