"""The appraisal sheet (考核汇总表): each cadre's weighted score, each rater group's average and
turnout, and beside them watchd's own facts for the round's period: village days and allowance,
visit compliance, late and absent counts, and work-log completion (from the injected provider)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from watchd.domain.appraisal import GROUP_NAMES, GROUPS
from watchd.reports.table import Column, Kind, ReportTable
from watchd.services.appraisal import RoundResults, WorkLogCompletion
from watchd.services.attendance import AttendanceService
from watchd.services.visits import VisitService

NONE = "—"


def appraisal_table(
    results: RoundResults,
    attendance: AttendanceService,
    visits: VisitService,
    worklog: WorkLogCompletion | None,
    *,
    township: str,
    zone: ZoneInfo,
) -> ReportTable:
    r = results.round
    ids = [c.person_id for c in results.cadres]
    last = min(r.period_end, attendance.today())
    summaries = attendance.period_totals(r.period_start, last) if ids and last >= r.period_start else {}
    pairs = visits.compliance(r.period_start, last, ids) if ids and last >= r.period_start else {}
    logs = worklog.completion(ids, r.period_start, r.period_end) if worklog is not None and ids else {}
    rules = r.rules
    columns = [
        Column("序号", 5, Kind.int),
        Column("单位", 12),
        Column("编号", 8),
        Column("姓名", 8),
        Column("驻村嘎查（村）", 12),
        Column("综合得分", 8, Kind.number),
    ]
    for g in GROUPS:
        columns += [
            Column(f"{GROUP_NAMES[g]}平均分（{rules[g].weight}%）", 9, Kind.number),
            Column(f"{GROUP_NAMES[g]}参评", 9),
        ]
    columns += [
        Column("驻村（天）", 6, Kind.int),
        Column("驻村补助（元）", 9, Kind.money),
        Column("走访达标", 8),
        Column("迟到（次）", 6, Kind.int),
        Column("缺勤（天）", 6, Kind.number),
        Column("工作日志完成率", 8),
        Column("备注", 16),
    ]
    table = ReportTable(
        title=f"{township}{r.name}驻村干部考核汇总表",
        sheet=f"{r.name}考核"[:31],
        columns=columns,
        subtitle=f"考核期间：{r.period_start.isoformat()} 至 {r.period_end.isoformat()}　"
        f"投票：{r.opens_at.astimezone(zone):%Y-%m-%d} 至 {r.closes_at.astimezone(zone):%Y-%m-%d}　状态：{ {'pending': '未开始', 'open': '投票中', 'closed': '已结束'}[r.status] }"
        + (f"　单位：{r.organisation}" if r.organisation else ""),
        empty="本轮没有可显示的考核对象。",
    )
    for i, c in enumerate(results.cadres, start=1):
        m = summaries.get(c.person_id)
        row: list[str | int | float | None] = [
            i,
            c.organisation,
            c.person_id,
            c.name,
            "、".join(c.villages),
            round(c.score, 1) if c.score is not None else NONE,
        ]
        for g in GROUPS:
            res = c.groups[g]
            row += [
                round(res.average, 1) if res.average is not None else NONE,
                f"{res.ballots}/{res.eligible}"
                + (f"（{res.turnout:.0%}）" if res.turnout is not None else ""),
            ]
        done, total = pairs.get(c.person_id, (0, 0))
        share = logs.get(c.person_id)
        row += [
            m.village_days if m else 0,
            float(m.allowance) if m else 0.0,
            f"{done}/{total}（{done / total:.0%}）" if total else NONE,
            m.late_count if m else 0,
            m.absent_days if m else 0.0,
            f"{share:.0%}" if share is not None else NONE,
            ("未达最低票数：" + "、".join(GROUP_NAMES[g] for g in c.missing)) if c.missing else "",
        ]
        table.rows.append(row)
    minimums = "、".join(f"{GROUP_NAMES[g]}{rules[g].min_ballots}票" for g in GROUPS)
    table.notes.append(
        f"说明：各组平均分在评价该干部的选票达到最低票数（{minimums}）时才显示并计入；综合得分按权重"
        "在有平均分的组之间折算。优秀100、称职80、基本称职60、不称职40。"
    )
    table.notes.append(
        f"驻村、走访、迟到、缺勤统计至 {last.isoformat()}；走访达标＝当月至少走访一次的结对户·月数／结对户·月数。"
    )
    if r.flags:
        table.notes.append("异常提示：" + "；".join(r.flags))
    table.notes.append("制表：　　　　　　审核：　　　　　　负责人签字：")
    return table
