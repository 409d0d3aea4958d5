"""The duty-room screen's state in one piece: duty rooms, cameras, open incidents.

Built only from stored records (roster, presence timeline, incidents, camera events), so the
screen shows the truth after a restart of the server or of the screen itself; the page reloads
this whole state whenever its live connection is (re)established. `state()` is computed at most
once a second however many screens are open; `version` is a digest of it that changes only when
something on the screen would change (durations are counted up by the page itself).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from devices.registry import Role, has_role, kinds_with
from watchd.alerts.review import ReviewItemView
from watchd.alerts.review_stats import CameraFalseAlarms, camera_false_alarms
from watchd.alerts.service import AlertService
from watchd.alerts.views import IncidentView
from watchd.db.repositories.alerts import AlertsRepository
from watchd.db.repositories.camera_events import CameraEventsRepository
from watchd.db.repositories.duty_presence import DutyPresenceRepository
from watchd.db.repositories.sites import SitesRepository
from watchd.db.session import Database
from watchd.domain.live import LiveView, live_text
from watchd.domain.observations import ObservationKind
from watchd.domain.presence import STATE_NAMES, DeskState
from watchd.ops.runtime import Runtime
from watchd.services.duty import DutyLog, DutyService, PresenceRecorder
from watchd.vision.detectors.base import CLASS_TEXT
from watchd.vision.tamper import TAMPER_TEXT

CACHE_SECONDS = 1.0
CAMERA_KINDS = kinds_with(Role.camera, Role.duty_camera)
CAMERA_STATE_TEXT = {
    "online": "在线", "offline": "离线", "tamper": "遮挡/移位", "no_picture": "无画面", "unknown": "未知",
}
EVENT_TEXT = {"motion": "发现移动目标", "tamper": "遮挡/移位", "camera_offline": "离线"}


@dataclass(frozen=True, slots=True)
class DashboardState:
    data: dict[str, Any]
    version: str


class Dashboard:
    def __init__(
        self, db: Database, duty: DutyService, log: DutyLog, recorder: PresenceRecorder, alerts: AlertService,
        clock: Callable[[], datetime], runtime: Runtime,
    ) -> None:
        self.db = db
        self.runtime = runtime  # the cameras this node watches: their decoding advice
        self.duty = duty
        self.log = log
        self.recorder = recorder
        self.alerts = alerts
        self.clock = clock
        self.zone = duty.zone
        self.unknown_after = timedelta(seconds=duty.config.presence.unknown_after_seconds)
        self._lock = threading.Lock()
        self._cached: tuple[float, DashboardState] | None = None

    def state(self) -> DashboardState:
        with self._lock:
            if self._cached is not None and time.monotonic() - self._cached[0] < CACHE_SECONDS:
                return self._cached[1]
        data = self._build()
        text = json.dumps(data, ensure_ascii=False, sort_keys=True)
        state = DashboardState(data, hashlib.sha256(text.encode()).hexdigest()[:16])
        with self._lock:
            self._cached = (time.monotonic(), state)
        return state

    def invalidate(self) -> None:
        with self._lock:
            self._cached = None

    def _iso(self, at: datetime | None) -> str | None:
        return at.astimezone(self.zone).isoformat() if at is not None else None

    def _build(self) -> dict[str, Any]:
        now = self.clock()
        incidents = self.alerts.search(statuses=["open", "acknowledged"], limit=200)
        return {
            "township": self.duty.settings.township,
            "rooms": [self._room(room_id, now, incidents) for room_id in self.duty.room_ids()],
            "cameras": self._cameras(now, incidents),
            "incidents": [self._incident(i) for i in incidents],
            "review": [self._review(v) for v in self.alerts.review.items(open_only=False, limit=50)],
        }

    def _review(self, v: ReviewItemView) -> dict[str, Any]:
        """A review item for api/static/review.js (视频复核); its countdown is the hold's end."""
        return {
            "id": v.id, "kind": v.kind, "site_name": v.site_name, "camera_name": v.camera_name, "zones": v.zones,
            "summary": v.summary, "at": self._iso(v.occurred_at), "status": v.status, "status_text": v.status_text,
            "hold_until": self._iso(v.hold_until), "hold": v.hold, "claimed_by": v.claimed_by,
            "claim_expires_at": self._iso(v.claim_expires_at), "decided_by": v.decided_by, "note": v.note,
            "incident_code": v.incident_code,
            "snapshot": f"/api/cameras/events/{v.camera_event_id}/snapshot" if v.has_snapshot else None,
            "clip": f"/api/review/{v.id}/clip" if v.has_clip else None,
        }

    def _room(self, room_id: str, now: datetime, incidents: list[IncidentView]) -> dict[str, Any]:
        on_duty = self.duty.on_duty_now(room_id, now)
        entry = self.log.log(room_id, on_duty.day)
        stored = self.recorder.last(room_id)
        watched = any(d.desks for d in self.duty.config.rooms if d.site == room_id)
        if stored is None or not stored.open or now - stored.checked_at > self.unknown_after:
            state, since = DeskState.unknown, (stored.checked_at if stored is not None else None)
        else:
            state, since = stored.state, stored.since
        mine = [i for i in incidents if i.site_id == room_id]
        return {
            "id": room_id,
            "name": on_duty.room_name,
            "day": on_duty.day.isoformat(),
            "start": self._iso(on_duty.start),
            "end": self._iso(on_duty.end),
            "officers": [{"id": c.person_id, "name": c.name} for c in on_duty.officers],
            "leaders": [{"id": c.person_id, "name": c.name, "phone": c.phone} for c in on_duty.leaders],
            "took_over": None if entry.took_over is None else {
                "name": entry.took_over.person.name, "at": self._iso(entry.took_over.at)
            },
            "watched": watched,
            "presence": {
                "state": state.value, "text": STATE_NAMES[state], "since": self._iso(since),
            },
            "unwatched": any(i.kind == ObservationKind.duty_room_unwatched for i in mine),
            "wrong_person": any(i.kind == ObservationKind.wrong_person_on_duty for i in mine),
        }

    def _cameras(self, now: datetime, incidents: list[IncidentView]) -> list[dict[str, Any]]:
        offline = {i.subject for i in incidents if i.kind == ObservationKind.camera_offline}
        tampered = {i.subject for i in incidents if i.kind == ObservationKind.tamper}
        alarmed = {i.subject for i in incidents if i.status == "open"}
        active_kinds = {"motion", "tamper"}
        out: list[dict[str, Any]] = []
        false_alarms = camera_false_alarms(self.db, now)
        with self.db.read() as s:
            sites = {x.id: x.name for x in SitesRepository(s).list_sites()}
            events = CameraEventsRepository(s)
            presence, incident_rows = DutyPresenceRepository(s), AlertsRepository(s)
            for d in SitesRepository(s).list_devices():
                if d.kind not in CAMERA_KINDS or not d.enabled:
                    continue
                last: dict[str, Any] | None = None
                open_kinds: set[str] = set()
                if has_role(d.kind, Role.camera):
                    recent = events.search(camera_id=d.id, kind=None, since=None, until=None, limit=20)
                    open_kinds = {e.kind for e in recent if e.ended_at is None}
                    state = (
                        "offline" if "camera_offline" in open_kinds or d.id in offline
                        else "tamper" if "tamper" in open_kinds or d.id in tampered else "online"
                    )
                    if recent:
                        e = recent[0]
                        text = TAMPER_TEXT.get(e.reason, "") if e.kind == "tamper" else ""
                        text = CLASS_TEXT.get(e.object_class or "", "") if e.kind == "motion" else text
                        last = {
                            "text": text or EVENT_TEXT.get(e.kind, e.kind),
                            "at": self._iso(e.started_at),
                            "snapshot": f"/api/cameras/events/{e.id}/snapshot" if e.snapshot_path else None,
                        }
                else:
                    stored = presence.last_segment(d.site_id)
                    fresh = stored is not None and stored.end_at is None and now - stored.checked_at <= self.unknown_after
                    state = "offline" if d.id in offline else "online" if fresh else "no_picture"
                    shot = incident_rows.latest_incident_with_snapshot(d.site_id)
                    if shot is not None:
                        last = {
                            "text": shot.summary or shot.kind, "at": self._iso(shot.opened_at),
                            "snapshot": f"/api/incidents/{shot.id}/snapshot",
                        }
                out.append({
                    "id": d.id, "name": d.name or d.id, "kind": d.kind, "site_id": d.site_id,
                    "site_name": sites.get(d.site_id, d.site_id), "state": state,
                    "text": CAMERA_STATE_TEXT[state], "last_event": last, "warning": self._warning(d.id),
                    # The wall turns a tile live while something happens there (motion, tampering, an incident).
                    "active": bool(active_kinds & open_kinds) or d.id in alarmed, "live": self._live(d.id),
                    # Video verification: false alarms of the last 7 and 30 days and the zone behind most.
                    "false_alarms": _false_alarms(false_alarms.get(d.id)),
                })
        return out

    def _warning(self, camera_id: str) -> str | None:
        """A camera setting to fix (keyframe interval, H.265) and a detector that does not classify, as the
        node watching it sees them."""
        devices = self.runtime.devices
        view = devices.decoding(camera_id) if devices is not None else None
        if view is None or devices is None:
            return None
        live = devices.live_view(camera_id)
        warnings = [w for w in (view.warning, live.warning, devices.detector_view().warning) if w]
        return " ".join(warnings) or None

    def _live(self, camera_id: str) -> dict[str, object]:
        """Whether the wall can play the camera live (it is watched by this node, in H.264), and if not why."""
        devices = self.runtime.devices
        view = devices.live_view(camera_id) if devices is not None else LiveView(False, "not_here", 0)
        return {**view.as_dict(), "text": live_text(view.problem) if view.problem else ""}

    def _incident(self, i: IncidentView) -> dict[str, Any]:
        return {
            "id": i.id, "code": i.code, "kind": i.kind, "site_id": i.site_id, "site_name": i.site_name,
            "text": i.event_text, "severity": i.severity, "status": i.status, "status_text": i.status_text,
            "opened_at": self._iso(i.opened_at), "count": i.count, "acknowledged_by": i.acknowledged_by,
            "acknowledged_at": self._iso(i.acknowledged_at), "snapshot": (
                f"/api/incidents/{i.id}/snapshot" if i.has_snapshot else None
            ),
        }


def _false_alarms(counts: CameraFalseAlarms | None) -> dict[str, Any]:
    if counts is None:
        return {"last_7_days": 0, "last_30_days": 0, "top_zone": None}
    return {"last_7_days": counts.last_7_days, "last_30_days": counts.last_30_days, "top_zone": counts.top_zone_30_days}
