"""The recorder: a camera's events become rows, MQTT messages and observations; upkeep becomes notices.

Called in the camera's own worker thread as the loop emits (the database session is per unit of
work and the MQTT publisher is thread-safe), and for offline/online transitions from a worker
thread of the event loop. Storing is idempotent by the event's key: an end whose start was lost
is stored whole; a replay changes nothing. Files are in media.py.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from devices.registry import CameraConfig
from watchd.db.models import CameraEvent
from watchd.db.repositories.camera_events import CameraEventsRepository
from watchd.db.repositories.sites import SitesRepository
from watchd.db.session import Database
from watchd.domain.notices import NoticeSink
from watchd.domain.observations import Observation, ObservationKind, ObservationSink, Severity
from watchd.events.mqtt import MqttPublisher
from watchd.ops.datafiles import file_size
from watchd.pipeline.camera_watch.keyframes import KeyframeCheck
from watchd.pipeline.camera_watch.loop import LoopEvent
from watchd.pipeline.camera_watch.media import relative
from watchd.vision.detectors.base import CLASS_TEXT
from watchd.vision.tamper import TAMPER_TEXT

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    id: int
    snapshot_path: str | None
    clip_path: str | None


class CameraRecorder:
    def __init__(
        self, cameras: Mapping[str, CameraConfig], db: Database, data_dir: Path, clock: Callable[[], datetime], *,
        observations: ObservationSink | None = None, publisher: MqttPublisher | None = None,
        notices: NoticeSink | None = None,
    ) -> None:
        self.cameras = cameras
        self.db = db
        self.data_dir = data_dir
        self.clock = clock
        self.observations = observations
        self.publisher = publisher
        self.notices = notices  # upkeep for the administrators (a camera's keyframe interval)
        self._warned_no_sink = False

    def record(self, event: LoopEvent) -> StoredEvent | None:
        """Store the transition (idempotent), publish it and report the observation (blocking)."""
        config = self.cameras.get(event.camera_id)
        if config is None:
            return None
        row = self._store(config, event) if event.key else None
        if self.publisher is not None:
            self.publisher.publish_event(event.camera_id, self.payload(event, row))
            if event.kind == "camera_offline":
                self.publisher.publish_status(event.camera_id, event.phase == "end")
            elif event.kind == "motion":
                self.publisher.publish_motion(event.camera_id, event.phase == "start")
        self._observe(config, event, row)
        return row

    def publish_status(self, camera_id: str, online: bool) -> None:
        """A camera's status without an event (it came online and had not been offline)."""
        if self.publisher is not None:
            self.publisher.publish_status(camera_id, online)

    def watching(self, camera_id: str, watched: bool) -> None:
        """This node starts watching a camera (no motion yet) or stops (nobody vouches for it now)."""
        if self.publisher is None:
            return
        if watched:
            self.publisher.publish_motion(camera_id, False)
        else:
            self.publisher.release_camera(camera_id)

    def _store(self, config: CameraConfig, event: LoopEvent) -> StoredEvent:
        with self.db.unit_of_work() as s:
            row = self._store_row(CameraEventsRepository(s), config, event)
            s.flush()
            return StoredEvent(row.id, row.snapshot_path, row.clip_path)

    def _store_row(self, repo: CameraEventsRepository, config: CameraConfig, event: LoopEvent) -> CameraEvent:
        if event.phase == "start":
            size = file_size(event.snapshot)
            return repo.insert(
                CameraEvent(
                    event_key=event.key, camera_id=config.id, site_id=config.site, kind=event.kind,
                    reason=event.reason, started_at=event.at, zones=json.dumps(list(event.zones), ensure_ascii=False),
                    box=json.dumps([round(v, 4) for v in event.box]) if event.box else None,
                    peak_area=event.peak_area, detail=event.detail, snapshot_path=relative(self.data_dir, event.snapshot),
                    media_bytes=size, object_class=event.object_class or None, classes=self._classes(event, None),
                )
            )
        row = repo.by_key(event.key)
        if row is None:  # the start was dropped or lost: record the whole event now
            row = repo.insert(
                CameraEvent(
                    event_key=event.key, camera_id=config.id, site_id=config.site, kind=event.kind,
                    reason=event.reason, started_at=event.at, zones="[]", peak_area=0.0, detail=event.detail,
                    media_bytes=0,
                )
            )
        if row.ended_at is None:
            row.ended_at = max(event.at, row.started_at)
            if event.zones:
                row.zones = json.dumps(list(event.zones), ensure_ascii=False)
            row.peak_area = max(row.peak_area, event.peak_area)
            if event.clip is not None:
                row.clip_path = relative(self.data_dir, event.clip.path)
                row.media_bytes += event.clip.size_bytes
            if event.detail and not row.detail:
                row.detail = event.detail
            if event.classes:
                row.classes = self._classes(event, row.classes)
                row.media_bytes += sum(file_size(c.snapshot) for c in event.classes)
        return row

    def _classes(self, event: LoopEvent, stored: str | None) -> str | None:
        """JSON of the classes seen: {class: {score, snapshot, reason}}; the end's snapshots added."""
        if not event.classes and not event.object_class:
            return stored
        seen: dict[str, dict[str, object]] = json.loads(stored or "{}")
        if event.object_class == "unknown":
            seen["unknown"] = {"score": 0.0, "snapshot": None, "reason": event.class_reason}
        for c in event.classes:
            old = seen.get(c.cls, {})
            seen[c.cls] = {"score": max(c.score, float(str(old.get("score", 0.0)))),
                           "snapshot": relative(self.data_dir, c.snapshot) or old.get("snapshot")}
        return json.dumps(seen, ensure_ascii=False)

    def payload(self, event: LoopEvent, row: StoredEvent | None) -> dict[str, object]:
        config = self.cameras[event.camera_id]
        return {
            "type": event.phase, "kind": event.kind, "camera": config.id, "camera_name": config.name,
            "site": config.site, "event_id": row.id if row is not None else None, "key": event.key,
            "at": event.at.isoformat(), "zones": list(event.zones), "reason": event.reason,
            "snapshot": f"/api/cameras/events/{row.id}/snapshot" if row is not None and row.snapshot_path else None,
            "class": event.object_class or None, "classes": {c.cls: c.score for c in event.classes},
            "clip": f"/api/cameras/events/{row.id}/clip" if row is not None and row.clip_path else None,
        }

    def _observe(self, config: CameraConfig, event: LoopEvent, row: StoredEvent | None) -> None:
        kind = {
            "motion": ObservationKind.motion, "tamper": ObservationKind.tamper,
            "camera_offline": ObservationKind.camera_offline,
        }[event.kind]
        label = config.name or config.id
        if event.kind == "motion":
            zones = "、".join(event.zones)
            text = CLASS_TEXT.get(event.object_class, CLASS_TEXT["unknown"])
            summary = f"{label} {text}" + (f"（{zones}）" if zones else "")
        elif event.kind == "tamper":
            summary = f"{label} {TAMPER_TEXT.get(event.reason, '摄像机异常')}"
        else:
            summary = f"{label} 摄像机离线" if event.phase == "start" else f"{label} 摄像机恢复在线"
        zone_severity = (event.severity or config.zone_severity(event.zones)) if event.kind == "motion" else None
        observation = Observation(
            kind=kind, site_id=config.site, subject=config.id, occurred_at=event.at, active=event.phase == "start",
            severity=Severity(zone_severity) if zone_severity else None, summary=summary,
            details={
                "event_id": row.id if row is not None else None, "zones": list(event.zones),
                "reason": event.reason, "detail": event.detail,
                **({"class": event.object_class, "classes": {c.cls: c.score for c in event.classes}}
                   if event.object_class else {}),
            },
            snapshot_path=row.snapshot_path if row is not None else None,
        )
        if self.observations is None:
            if not self._warned_no_sink:
                log.warning("camera watch: no observation sink; events are stored but raise no incident")
                self._warned_no_sink = True
            log.info("observation %s %s: %s", observation.key, "active" if observation.active else "cleared", summary)
            return
        try:
            self.observations.report(observation)
        except Exception:
            log.exception("camera %s: observation %s not reported", config.id, observation.key)

    def close_dangling(self, config: CameraConfig) -> bool:
        """Close the events an earlier run (or another node) left open; True if one was "offline"."""
        now, was_offline = self.clock(), False
        with self.db.unit_of_work() as s:
            repo = CameraEventsRepository(s)
            if config.id in {d.id for d in SitesRepository(s).list_devices()}:
                for kind in ("motion", "tamper", "camera_offline"):
                    n = repo.close_dangling(config.id, kind, now, "interrupted: watchd stopped during the event")
                    if n:
                        log.info("camera %s: closed %d %s event(s) left open by the last run", config.id, n, kind)
                        was_offline = was_offline or kind == "camera_offline"
        return was_offline

    def keyframes(self, config: CameraConfig, check: KeyframeCheck) -> None:
        """The verdict on keyframe-only idling changed: log it, tell the administrators (worker thread)."""
        if check.too_long:
            log.warning("camera %s: %s", config.id, check.warning_en())
        else:
            log.info("camera %s: keyframe interval %.1f s; keyframe-only idling on", config.id, check.interval_s or 0)
        if self.notices is None:
            return
        try:
            self.notices.notice(check.notice(config.id, config.name or config.id, self.clock()))
        except Exception:
            log.exception("camera %s: keyframe interval notice not reported", config.id)
