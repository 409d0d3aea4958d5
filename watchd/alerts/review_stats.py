"""False alarms per camera and zone (the officers' "误报" verdicts), so the administrator knows
where to mask: the last 7 and 30 days for the camera page, and any period for the monthly report."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from watchd.db.repositories.review import ReviewRepository
from watchd.db.session import Database
from watchd.domain.review import top_zone

NO_ZONE = "（无分区）"  # motion outside any named zone, tamper, offline


@dataclass(frozen=True, slots=True)
class FalseAlarms:
    count: int = 0
    zones: dict[str, int] = field(default_factory=dict)  # zone -> false alarms there
    top_zone: str | None = None  # the zone that caused most of them


@dataclass(frozen=True, slots=True)
class CameraFalseAlarms:
    last_7_days: int
    last_30_days: int
    zones_30_days: dict[str, int]
    top_zone_30_days: str | None


def false_alarms_by_camera(db: Database, since: datetime, until: datetime) -> dict[str, FalseAlarms]:
    """camera id -> its false alarms with `since <= occurred_at < until`."""
    per_camera: dict[str, Counter[str]] = {}
    totals: Counter[str] = Counter()
    with db.read() as s:
        for row in ReviewRepository(s).false_alarms(since, until):
            totals[row.camera_id] += 1
            zones = json.loads(row.zones or "[]") or [NO_ZONE]
            per_camera.setdefault(row.camera_id, Counter()).update(str(z) for z in zones)
    return {
        cam: FalseAlarms(count=totals[cam], zones=dict(zones), top_zone=top_zone(dict(zones)))
        for cam, zones in per_camera.items()
    }


def camera_false_alarms(db: Database, now: datetime) -> dict[str, CameraFalseAlarms]:
    month = false_alarms_by_camera(db, now - timedelta(days=30), now)
    week = false_alarms_by_camera(db, now - timedelta(days=7), now)
    return {
        cam: CameraFalseAlarms(
            last_7_days=week[cam].count if cam in week else 0,
            last_30_days=m.count,
            zones_30_days=m.zones,
            top_zone_30_days=m.top_zone,
        )
        for cam, m in month.items()
    }
