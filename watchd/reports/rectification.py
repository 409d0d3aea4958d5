"""The rectification ledger (整改台账) as a printable table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from watchd.reports.table import Column, ReportTable
from watchd.services.rectification import SOURCE_KINDS, ItemView


def ledger_table(
    items: Sequence[ItemView],
    zone: ZoneInfo,
    *,
    township: str,
    overdue: bool = False,
    generated_at: datetime | None = None,
) -> ReportTable:
    closed = sum(1 for i in items if i.status == "closed")
    late = sum(1 for i in items if i.overdue)
    table = ReportTable(
        title=f"{township}整改台账" + ("（逾期未整改）" if overdue else ""),
        sheet="整改台账",
        subtitle=f"共{len(items)}项，已销号{closed}项，逾期{late}项"
        + (f"　生成时间：{generated_at.astimezone(zone):%Y-%m-%d %H:%M}" if generated_at else ""),
        columns=[
            Column("编号", 5),
            Column("来源", 6),
            Column("来源说明", 12),
            Column("单位", 12),
            Column("问题", 24),
            Column("整改措施", 24),
            Column("责任人", 8),
            Column("整改时限", 10),
            Column("状态", 8),
            Column("销号人", 8),
            Column("销号时间", 16),
            Column("销号说明", 20),
        ],
        empty="没有逾期未整改的事项。" if overdue else "台账中还没有整改事项。",
    )
    for i in items:
        state = "已销号" if i.status == "closed" else ("逾期" if i.overdue else "整改中")
        table.rows.append(
            [
                str(i.id),
                SOURCE_KINDS.get(i.source_kind, i.source_kind),
                i.source_ref,
                i.organisation,
                i.problem,
                i.measure,
                i.owner_name,
                i.deadline.isoformat(),
                state,
                i.closed_by or "",
                f"{i.closed_at.astimezone(zone):%Y-%m-%d %H:%M}" if i.closed_at else "",
                i.close_note,
            ]
        )
    table.notes.append("制表：　　　　　　审核：　　　　　　负责人签字：")
    return table
