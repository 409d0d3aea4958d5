"""The weekly meeting sheet (周例会): per department and person, this week's work from the daily entries,
the plan made for this week with each item's mark and the completion rate, and next week's plan."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from watchd.domain.worklog import STATUS_TEXT, ItemStatus, rate_text
from watchd.reports.table import Column, Kind, ReportTable
from watchd.services.worklog import Meeting, MeetingRow, PlanItemView, day_label

KIND_TEXT = {"department": "部门", "person": "个人"}


def _work(row: MeetingRow) -> str:
    return "\n".join(f"{day_label(day)}：{done}" for day, done in row.work if done)


def _items(items: list[PlanItemView], *, marks: bool) -> str:
    lines = []
    for n, item in enumerate(items, start=1):
        line = f"{n}. {item.text}"
        if marks:
            line += f"【{STATUS_TEXT[ItemStatus(item.status)]}】" + (f"{item.note}" if item.note else "")
        lines.append(line)
    return "\n".join(lines)


def weekly_table(
    meeting: Meeting,
    zone: ZoneInfo,
    *,
    township: str,
    organisation: str | None = None,
    generated_at: datetime | None = None,
) -> ReportTable:
    week, last = meeting.week, meeting.week + timedelta(days=6)
    people = [r for r in meeting.rows if r.owner_kind == "person"]
    written, due = sum(r.written for r in people), sum(r.due for r in people)
    items = [r.completion for r in meeting.rows if r.completion.items]
    finished = sum(c.done + 0.5 * c.partly for c in items)
    total = sum(c.items for c in items)
    table = ReportTable(
        title=f"{township}{organisation or ''}周例会工作汇总（{week.month}月{week.day}日—{last.month}月{last.day}日）",
        sheet=f"{week.isoformat()}周例会",
        subtitle=f"统计期间：{week.isoformat()} 至 {last.isoformat()}　日志{written}/{due}天　"
        f"本周计划{total}项，完成率{rate_text(finished / total if total else None)}"
        + (f"　生成时间：{generated_at.astimezone(zone):%Y-%m-%d %H:%M}" if generated_at else ""),
        columns=[
            Column("单位", 12),
            Column("类别", 5),
            Column("编号", 8),
            Column("姓名", 8),
            Column("日志（天）", 7),
            Column("本周工作（日志）", 44, wrap=True),
            Column("上周所定本周计划及完成情况", 40, wrap=True),
            Column("计划项", 6, Kind.int),
            Column("完成率", 7),
            Column("下周计划", 32, wrap=True),
        ],
        notes=[
            "完成率：完成计1项、部分完成计0.5项、未完成和未标记计0项，除以计划项数。",
            "日志（天）：已写天数/应写天数（工作日）。",
            "主持人签字：______________　记录人签字：______________",
        ],
    )
    table.empty = (
        f"单位“{organisation}”没有需要写工作日志的人员：请检查单位名称，或清空“单位”查看全部。"
        if organisation
        else "没有需要写工作日志的人员：请先添加人员（配置文件 [worklog] roles 决定哪些角色需要写日志）。"
    )
    for r in meeting.rows:
        table.rows.append(
            [
                r.organisation,
                KIND_TEXT[r.owner_kind],
                "" if r.owner_kind == "department" else r.owner_id,
                r.name,
                f"{r.written}/{r.due}" if r.owner_kind == "person" else str(r.written),
                _work(r),
                _items(r.plan, marks=True),
                r.completion.items,
                rate_text(r.completion.rate),
                _items(r.next_plan, marks=False),
            ]
        )
    return table
