"""Service views to API bodies; times shown in the township's zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from api.schemas import CheckinOut
from watchd.services.checkins import CheckinView


def checkin_out(c: CheckinView, zone: ZoneInfo) -> CheckinOut:
    return CheckinOut(
        id=c.id, person_id=c.person_id, person_name=c.person_name, site_id=c.site_id, site_name=c.site_name,
        device_id=c.device_id, occurred_at=c.occurred_at.astimezone(zone), received_at=c.received_at.astimezone(zone),
        method=c.method, distance=c.distance, liveness=c.liveness, has_snapshot=c.has_snapshot,
    )
