"""Storing the duty desk's presence timeline: one row per stretch of one state.

The duty watch calls `change` when the state changes and `check` now and then while it lasts;
the open row's `checked_at` is the last picture that confirmed it. After a crash the open row
simply ends at its `checked_at` (the time after it shows as unknown in the log), and a restart
that finds it fresh continues it (see `DutyWatch`). Replays are no-ops: (room, start) is unique.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from watchd.db.models import DutyPresence
from watchd.db.repositories.duty_presence import DutyPresenceRepository
from watchd.db.session import Database
from watchd.domain.presence import DeskState, Segment

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StoredState:
    state: DeskState
    since: datetime
    checked_at: datetime
    open: bool


class PresenceRecorder:
    def __init__(self, db: Database) -> None:
        self.db = db

    def last(self, room_id: str) -> StoredState | None:
        with self.db.read() as s:
            row = DutyPresenceRepository(s).last_segment(room_id)
            if row is None:
                return None
            return StoredState(DeskState(row.state), row.start_at, row.checked_at, row.end_at is None)

    def change(self, room_id: str, state: DeskState, at: datetime) -> None:
        """Close the open stretch at `at` and open one of `state` from `at`."""
        with self.db.unit_of_work() as s:
            repo = DutyPresenceRepository(s)
            current = repo.open_segment(room_id)
            if current is not None:
                if at < current.start_at:
                    log.debug("presence change of %s at %s is older than the open stretch: ignored", room_id, at)
                    return
                if current.state == state.value:
                    current.checked_at = max(current.checked_at, at)
                    return
                current.end_at = at
                current.checked_at = max(current.checked_at, at)
            repo.add_segment(
                DutyPresence(room_id=room_id, state=state.value, start_at=at, end_at=None, checked_at=at, faces={})
            )

    def check(self, room_id: str, at: datetime, faces: Mapping[str, int] | None = None) -> None:
        """The open stretch still holds at `at`; add the faces seen since the last check."""
        with self.db.unit_of_work() as s:
            current = DutyPresenceRepository(s).open_segment(room_id)
            if current is None or at < current.checked_at:
                return
            current.checked_at = at
            if faces:
                merged = dict(current.faces or {})
                for key, count in faces.items():
                    merged[key] = int(merged.get(key, 0)) + int(count)
                current.faces = merged

    def close_open(self, room_id: str) -> None:
        """End the open stretch at its last confirmation (the watch stops)."""
        with self.db.unit_of_work() as s:
            current = DutyPresenceRepository(s).open_segment(room_id)
            if current is not None:
                current.end_at = current.checked_at

    def segments(
        self, room_id: str, start: datetime, end: datetime, *, fresh: timedelta
    ) -> list[tuple[Segment, dict[str, int]]]:
        """The stretches overlapping [start, end); the open one lasts until `end` when it was confirmed
        within `fresh` of it (the watch is running), else until its last confirmation."""
        with self.db.read() as s:
            rows = DutyPresenceRepository(s).segments(room_id, start, end)
            out = []
            for r in rows:
                until = r.end_at or (end if end - r.checked_at <= fresh else r.checked_at)
                out.append((Segment(DeskState(r.state), r.start_at, until), dict(r.faces or {})))
            return out
