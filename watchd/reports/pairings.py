"""Pairing compliance: every cadre–household pairing needs at least one visit a month."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from watchd.domain.leave import month_bounds
from watchd.reports.table import Column, Kind, ReportTable
from watchd.services.visits import PairingView


def pairing_table(
    pairings: list[PairingView], month: date, zone: ZoneInfo, *, township: str, organisation: str | None = None,
    generated_at: datetime | None = None,
) -> ReportTable:
    first, nxt = month_bounds(month)
    rows = [p for p in pairings if organisation is None or p.organisation == organisation]
    rows.sort(key=lambda p: (p.compliant, p.organisation, p.person_id, p.household_id))
    done = sum(1 for p in rows if p.compliant)
    rate = f"{done / len(rows):.0%}" if rows else "—"
    table = ReportTable(
        title=f"{township}{month.year}年{month.month}月结亲户走访情况", sheet=f"{month:%Y-%m}走访情况",
        subtitle=f"统计期间：{first.isoformat()} 至 {(nxt - timedelta(days=1)).isoformat()}　结对{len(rows)}户，"
        f"已走访{done}户，未走访{len(rows) - done}户，走访率{rate}"
        + (f"　生成时间：{generated_at.astimezone(zone):%Y-%m-%d %H:%M}" if generated_at else ""),
        columns=[
            Column("单位", 14), Column("干部编号", 8), Column("干部姓名", 8), Column("户编号", 10),
            Column("户主姓名", 8), Column("嘎查（村）", 10), Column("住址", 16), Column("本月走访（次）", 7, Kind.int),
            Column("最近走访", 16), Column("是否达标", 6),
        ],
    )
    table.empty = (
        f"单位“{organisation}”本月没有结对：请检查单位名称，或清空“单位”查看全部。" if organisation
        else "本月没有干部与结亲户的结对：请在“导入结对”中导入结对名单（CSV 或 Excel），干部即可在“走访登记”页登记走访。"
    )
    for p in rows:
        table.rows.append([
            p.organisation, p.person_id, p.person_name, p.household_id, p.household_name, p.village_name, p.address,
            p.visits, f"{p.last_visit_at.astimezone(zone):%Y-%m-%d %H:%M}" if p.last_visit_at else "",
            "是" if p.compliant else "否",
        ])
    return table
