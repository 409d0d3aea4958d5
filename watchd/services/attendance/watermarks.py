"""Device watermarks: how far each device has delivered what it captured.

A browser kiosk reports through /api/attendance/device-sync; a terminal's last contact (kept by the
terminal ingest) counts as its watermark. Settlement waits for the devices behind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from watchd.db.repositories.sites import SitesRepository
from watchd.db.repositories.terminals import TerminalStatesRepository
from watchd.db.repositories.watermarks import WatermarksRepository
from watchd.db.session import Database
from watchd.errors import Invalid, NotFound


@dataclass(frozen=True, slots=True)
class WatermarkView:
    device_id: str
    reported_until: datetime | None


class DeviceWatermarks:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock

    def device_synced(self, device_id: str, *, pending_since: datetime | None) -> WatermarkView:
        """A device says it has delivered everything captured before `pending_since` (or before now)."""
        now = self.clock()
        if pending_since is not None and pending_since.tzinfo is None:
            raise Invalid("naive_time", "oldest_pending_at must carry a UTC offset")
        until = now if pending_since is None else min(now, pending_since)
        with self.db.unit_of_work() as s:
            device = SitesRepository(s).get_device(device_id)
            if device is None:
                raise NotFound("device_not_found", f"no device {device_id!r}")
            WatermarksRepository(s).advance(device_id, until, now=now)
        return self.watermark(device_id)

    def watermark(self, device_id: str) -> WatermarkView:
        for w in self.watermarks():
            if w.device_id == device_id:
                return w
        raise NotFound("device_not_found", f"no device {device_id!r}")

    def watermarks(self) -> list[WatermarkView]:
        return [WatermarkView(device_id, at) for device_id, at in sorted(self.reached().items())]

    def reached(self) -> dict[str, datetime | None]:
        """How far each enabled device has reported (None: it never reported a watermark).

        A device that never reported one cannot hold a day up; what it uploads late is corrected by
        the late-upload scan.
        """
        with self.db.read() as s:
            marks = {d: m.reported_until for d, m in WatermarksRepository(s).all().items()}
            terminals = TerminalStatesRepository(s).contacts()
            enabled = [d.id for d in SitesRepository(s).list_devices() if d.enabled]
        out: dict[str, datetime | None] = {}
        for device_id in enabled:
            mark = marks.get(device_id)
            candidates = [terminals[device_id]] if device_id in terminals else []
            if mark is not None:
                candidates.append(mark)
            out[device_id] = max(candidates) if candidates else None
        return out
