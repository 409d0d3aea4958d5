"""The monthly duty report's video-verification sheet: per camera, the events the duty room
verified, how many were false alarms and the zone that caused most of them (where to mask), and
the median time from the event to the verdict."""

from __future__ import annotations

import json
import statistics
from collections import Counter
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from watchd.db.repositories.review import ReviewRepository
from watchd.db.repositories.sites import SitesRepository
from watchd.db.session import Database
from watchd.domain.leave import month_bounds
from watchd.domain.review import top_zone
from watchd.reports.table import Column, Kind, ReportTable

NO_ZONE = "（无分区）"


def review_month_table(db: Database, month: date, zone: ZoneInfo, township: str) -> ReportTable:
    first, nxt = month_bounds(month)
    since = datetime.combine(first, time(), zone)
    until = datetime.combine(nxt, time(), zone)
    table = ReportTable(
        title=f"{township}{month.year}年{month.month}月值班报表：视频复核与误报",
        sheet=f"{month:%Y-%m}视频复核",
        subtitle=f"统计期间：{first.isoformat()} 至 {date.fromordinal(nxt.toordinal() - 1).isoformat()}",
        columns=[
            Column("地点", 12),
            Column("摄像机", 12),
            Column("事件", 6, Kind.int),
            Column("属实", 6, Kind.int),
            Column("误报", 6, Kind.int),
            Column("已处置", 6, Kind.int),
            Column("未复核", 6, Kind.int),
            Column("误报率", 7),
            Column("误报最多的分区", 14),
            Column("复核用时中位数（分钟）", 10, Kind.number),
        ],
        notes=["误报率 = 误报 / 事件；误报最多的分区可考虑在摄像机设置中屏蔽（docs/motion.md）。"],
        empty="本月没有需要复核的摄像机事件。",
    )
    with db.read() as s:
        rows = ReviewRepository(s).in_period(since, until)
        sites = {x.id: x.name for x in SitesRepository(s).list_sites()}
        cameras = {d.id: d.name or d.id for d in SitesRepository(s).list_devices()}
        by_camera: dict[tuple[str, str], list[tuple[str, list[str], float | None]]] = {}
        for r in rows:
            minutes = (
                (r.decided_at - r.occurred_at).total_seconds() / 60 if r.decided_at is not None else None
            )
            zones = [str(z) for z in json.loads(r.zones or "[]")] or [NO_ZONE]
            by_camera.setdefault((r.site_id, r.camera_id), []).append((r.status, zones, minutes))
    for (site_id, camera_id), items in sorted(by_camera.items()):
        counts = Counter(status for status, _, _ in items)
        false_zones: Counter[str] = Counter()
        for status, zones, _ in items:
            if status == "false_alarm":
                false_zones.update(zones)
        worst = top_zone(dict(false_zones))
        waits = [m for _, _, m in items if m is not None]
        table.rows.append(
            [
                sites.get(site_id, site_id),
                cameras.get(camera_id, camera_id),
                len(items),
                counts["real"],
                counts["false_alarm"],
                counts["handled"],
                counts["unreviewed"] + counts["claimed"],
                f"{counts['false_alarm'] / len(items):.0%}",
                f"{worst}（{false_zones[worst]}次）" if worst else "",
                round(statistics.median(waits), 1) if waits else None,
            ]
        )
    return table
