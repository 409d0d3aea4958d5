"""What the duty watch keeps per desk camera and per duty room between pictures."""

from __future__ import annotations

import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

from watchd.domain.duty import OnDuty
from watchd.domain.presence import PresenceRules, PresenceTracker, Sighting, WrongPerson
from watchd.settings.duty import DeskCamera, DutySettings
from watchd.vision.presence import DeskAnalyzer

MAX_SIGHTINGS = 5000
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)  # desk cues take seconds since this as their time
UNKNOWN_FACE = "?"


@dataclass(slots=True)
class CameraRuntime:
    device_id: str
    room_id: str
    name: str
    desk: DeskCamera
    analyzer: DeskAnalyzer
    online: bool | None = None
    frames: int = 0
    last_frame_at: datetime | None = None
    last_face_search: datetime | None = None
    last_identify: datetime | None = None
    saved_reference: int = 0
    saved_at: datetime | None = None
    offline_reported: bool = False
    someone: bool = True  # the last picture showed movement or a changed seat: worth a face search


@dataclass(slots=True)
class RoomRuntime:
    room_id: str
    tracker: PresenceTracker
    lock: threading.Lock = field(default_factory=threading.Lock)
    sightings: deque[Sighting] = field(default_factory=lambda: deque(maxlen=MAX_SIGHTINGS))
    faces: Counter[str] = field(default_factory=Counter)
    unwatched: datetime | None = None  # the reported crossing time while the room is unwatched
    clear_sent: bool = False
    wrong: WrongPerson | None = None
    last_check: datetime | None = None
    shift: OnDuty | None = None
    shift_loaded: datetime | None = None
    last_image: npt.NDArray[np.uint8] | None = None


def presence_rules(config: DutySettings) -> PresenceRules:
    p = config.presence
    return PresenceRules(
        enter=timedelta(seconds=p.enter_seconds), hold=timedelta(seconds=p.hold_seconds),
        still=timedelta(minutes=p.still_minutes), unknown_after=timedelta(seconds=p.unknown_after_seconds),
    )
