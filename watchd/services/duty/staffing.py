"""Whether the duty room can verify camera events now (`DutyRoomStaffing` for the alert intake).

The room responsible for a site (the room itself, the room that covers it, else the room that lists
no sites), its officers on duty now from the roster, and its desk as the desk watch last stored it:
present, absent, or unknown (no desk camera, or no picture for `unknown_after_seconds`). An open
"duty room unwatched" incident of the room counts as absent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from watchd.db.repositories.alerts import AlertsRepository
from watchd.db.session import Database
from watchd.domain.observations import ObservationKind
from watchd.domain.presence import DeskState
from watchd.domain.review import DeskPresence, Staffing
from watchd.services.duty.presence import PresenceRecorder
from watchd.services.duty.service import DutyService


class DeskStaffing:
    def __init__(self, db: Database, duty: DutyService, recorder: PresenceRecorder) -> None:
        self.db = db
        self.duty = duty
        self.recorder = recorder
        self.unknown_after = timedelta(seconds=duty.config.presence.unknown_after_seconds)

    def staffing(self, site_id: str, now: datetime) -> Staffing:
        room = self.duty.room_for_site(site_id)
        if room is None:
            return Staffing(room_id=None)
        officers = tuple(c.person_id for c in self.duty.on_duty_now(room, now).officers)
        stored = self.recorder.last(room)
        if stored is None or not stored.open or now - stored.checked_at > self.unknown_after:
            desk = DeskPresence.unknown
        else:
            desk = (
                DeskPresence.present
                if stored.state == DeskState.present
                else (DeskPresence.absent if stored.state == DeskState.absent else DeskPresence.unknown)
            )
        with self.db.read() as s:
            unwatched = AlertsRepository(s).has_active(
                f"{ObservationKind.duty_room_unwatched.value}:{room}:{room}"
            )
        return Staffing(room_id=room, officers=officers, desk=desk, unwatched=unwatched)
