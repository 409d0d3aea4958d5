"""The monthly duty report's spot checks (查岗): per officer, the checks of the month's shifts, how many
were answered (查岗响应率 = answered / checks) and the median answer time.

A screen check counts for every officer on duty when it came (the screen is the room's); a text check
for the officer it was sent to. Checks that were never made (nobody rostered, the server down) count
for nobody.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from watchd.db.session import Database
from watchd.domain.leave import month_bounds
from watchd.reports.table import Column, Kind, ReportTable
from watchd.services.directory import load_directory
from watchd.services.spot_checks import SpotCheckService, SpotCheckView


@dataclass(slots=True)
class OfficerChecks:
    checks: int = 0
    answered: int = 0
    seconds: list[int] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.answered / self.checks if self.checks else 0.0

    @property
    def median_seconds(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None


def per_officer(checks: list[SpotCheckView], officer_ids: dict[int, list[str]]) -> dict[str, OfficerChecks]:
    """`officer_ids`: check id → the person ids it counts for."""
    out: dict[str, OfficerChecks] = defaultdict(OfficerChecks)
    for c in checks:
        for pid in officer_ids.get(c.id, []):
            entry = out[pid]
            entry.checks += 1
            if c.status == "answered":
                entry.answered += 1
                if c.answer_seconds is not None:
                    entry.seconds.append(c.answer_seconds)
    return dict(out)


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    m, s = divmod(round(seconds), 60)
    return f"{m}分{s:02d}秒" if m else f"{s}秒"


def spot_check_table(
    spot_checks: SpotCheckService,
    db: Database,
    month: date,
    *,
    township: str,
    generated_at: datetime | None = None,
) -> ReportTable:
    first, nxt = month_bounds(month)
    last = nxt - timedelta(days=1)
    checks = spot_checks.between(first, last)
    counted = per_officer(checks, spot_checks.counted_for(first, last))
    directory = load_directory(db)
    table = ReportTable(
        title=f"{township}{month.year}年{month.month}月值班查岗统计",
        sheet=f"{month:%Y-%m}查岗",
        subtitle=f"统计期间：{first.isoformat()} 至 {last.isoformat()}"
        + (
            f"　生成时间：{generated_at.astimezone(spot_checks.duty.zone):%Y-%m-%d %H:%M}"
            if generated_at
            else ""
        ),
        columns=[
            Column("序号", 5, Kind.int),
            Column("编号", 8),
            Column("姓名", 8),
            Column("查岗（次）", 7, Kind.int),
            Column("应答（次）", 7, Kind.int),
            Column("未应答（次）", 7, Kind.int),
            Column("查岗响应率（%）", 9, Kind.number),
            Column("应答用时中位数", 10),
        ],
    )
    for i, (pid, entry) in enumerate(sorted(counted.items()), start=1):
        table.rows.append(
            [
                i,
                pid,
                directory.person_name(pid),
                entry.checks,
                entry.answered,
                entry.checks - entry.answered,
                round(entry.rate * 100, 1),
                duration_text(entry.median_seconds),
            ]
        )
    table.empty = f"{month.year}年{month.month}月没有查岗记录（查岗未开启，或本月值班尚未开始）。"
    table.notes.append(
        "说明：查岗响应率＝应答次数÷查岗次数；屏幕查岗计入当班全部值班人员，短信查岗计入收到短信的值班人员。"
    )
    return table
