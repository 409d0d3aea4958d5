"""How far each browser kiosk says it has delivered what it captured (terminals: their last contact)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchd.db.models import DeviceWatermark


class WatermarksRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> dict[str, DeviceWatermark]:
        return {w.device_id: w for w in self.session.scalars(select(DeviceWatermark))}

    def advance(self, device_id: str, until: datetime, *, now: datetime) -> None:
        row = self.session.get(DeviceWatermark, device_id)
        if row is None:
            self.session.add(
                DeviceWatermark(device_id=device_id, reported_until=until, updated_at=now)
            )
            return
        row.reported_until = max(row.reported_until, until)
        row.updated_at = now
