"""Protected-site cameras: their state and their events (motion, tamper, offline), with snapshot and clip."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from pydantic import BaseModel

from api.access import P, allowed
from api.deps import ServicesDep, UserDep
from api.params import IsoDateTime, Offset, RowId
from devices.registry import Role, has_role
from watchd.alerts.review_stats import camera_false_alarms
from watchd.db.models import CameraEvent
from watchd.db.repositories.camera_events import CameraEventsRepository
from watchd.db.repositories.cluster import cluster_status
from watchd.db.repositories.sites import SitesRepository
from watchd.errors import NotFound

router = APIRouter(prefix="/api/cameras", tags=["cameras"])


class ClassSeenOut(BaseModel):
    score: float
    snapshot_url: str | None = None
    reason: str | None = None  # unknown: unavailable, busy, failed, unrecognised


class CameraEventOut(BaseModel):
    id: int
    camera_id: str
    site_id: str
    kind: str
    reason: str
    started_at: datetime
    ended_at: datetime | None
    zones: list[str]
    box: list[float] | None
    peak_area: float
    detail: str
    snapshot_url: str | None
    clip_url: str | None
    object_class: str | None = None  # person, vehicle, animal, unknown; None: no detector
    classes: dict[str, ClassSeenOut] = {}  # every class seen, its best score and snapshot


class CameraOut(BaseModel):
    id: str
    name: str
    site_id: str
    enabled: bool
    online: bool  # false while a camera_offline event is open
    open_events: list[str]  # kinds of the events still open (motion, tamper, camera_offline)
    node: str | None = None  # the node watching it now (several nodes on one database); None: no node
    # Decoding, as the node answering sees it while it watches the camera (None: not known here).
    keyframe_interval_s: float | None = None  # the camera's measured keyframe (I-frame) interval
    keyframe_idle: bool | None = None  # false: every picture is decoded, keyframe-only idling would be blind
    warning: str | None = None  # a camera setting to fix and how (Chinese), e.g. its I-frame interval or H.265
    codec: str | None = None  # the stream's video codec as this node reads it (h264, hevc, mjpeg)
    live: dict[str, object] | None = None  # the wall: playable here, why not, viewers now (api/routes/live.py)
    # What moved (docs/detectors.md), as the node watching it sees it: the detector (None: off or not here),
    # its state (off, ok, unavailable, failing, behind) and, when it does not classify, why (Chinese).
    detector: str | None = None
    detector_state: str | None = None
    detector_warning: str | None = None
    # The officers' "误报" verdicts (docs/review.md): the last 7 and 30 days, per zone, and the zone
    # that caused most of them over 30 days (where to draw a mask).
    false_alarms_7d: int = 0
    false_alarms_30d: int = 0
    false_alarm_zones_30d: dict[str, int] = {}
    false_alarm_top_zone: str | None = None


def _out(row: CameraEvent) -> CameraEventOut:
    return CameraEventOut(
        id=row.id, camera_id=row.camera_id, site_id=row.site_id, kind=row.kind, reason=row.reason,
        started_at=row.started_at, ended_at=row.ended_at, zones=json.loads(row.zones or "[]"),
        box=json.loads(row.box) if row.box else None, peak_area=row.peak_area, detail=row.detail,
        snapshot_url=f"/api/cameras/events/{row.id}/snapshot" if row.snapshot_path else None,
        clip_url=f"/api/cameras/events/{row.id}/clip" if row.clip_path else None,
        object_class=row.object_class, classes=_classes(row),
    )


def _classes(row: CameraEvent) -> dict[str, ClassSeenOut]:
    seen = json.loads(row.classes or "{}")
    return {
        cls: ClassSeenOut(
            score=float(v.get("score", 0.0)), reason=v.get("reason"),
            snapshot_url=f"/api/cameras/events/{row.id}/snapshot/{cls}" if v.get("snapshot") else None,
        )
        for cls, v in seen.items()
    }


@router.get("", dependencies=[allowed(P.cameras_read)], response_model=list[CameraOut])
def cameras(services: ServicesDep, user: UserDep) -> list[CameraOut]:
    lease = timedelta(seconds=services.config.settings.cluster.lease_seconds)
    with services.db.read() as s:
        devices = [d for d in SitesRepository(s).list_devices() if has_role(d.kind, Role.camera)]
        nodes, leases = cluster_status(s, lease)
        names = {n.node_id: n.name for n in nodes}
        watcher = {v.item: names.get(v.node_id or "") for v in leases if v.held}
        repo = CameraEventsRepository(s)
        running = services.runtime.devices
        false_alarms = camera_false_alarms(services.db, services.clock())
        out = []
        for d in devices:
            fa = false_alarms.get(d.id)
            view = running.decoding(d.id) if running is not None else None
            live = running.live_view(d.id) if running is not None else None
            codec = running.camera_codec(d.id) if running is not None else None
            detector = running.detector_view() if running is not None and view else None
            open_kinds = sorted({e.kind for e in repo.search(camera_id=d.id, kind=None, since=None, until=None,
                                                             limit=50) if e.ended_at is None})
            out.append(CameraOut(id=d.id, name=d.name, site_id=d.site_id, enabled=d.enabled,
                                 online="camera_offline" not in open_kinds, open_events=open_kinds,
                                 node=watcher.get(d.id),
                                 keyframe_interval_s=view.keyframe_interval_s if view else None,
                                 keyframe_idle=view.idle if view else None,
                                 warning=" ".join(w for w in (view and view.warning, live and live.warning) if w) or None,
                                 codec=codec, live=live.as_dict() if live else None,
                                 detector=detector.detector if detector else None,
                                 detector_state=detector.state if detector else None,
                                 detector_warning=detector.warning if detector else None,
                                 false_alarms_7d=fa.last_7_days if fa else 0,
                                 false_alarms_30d=fa.last_30_days if fa else 0,
                                 false_alarm_zones_30d=fa.zones_30_days if fa else {},
                                 false_alarm_top_zone=fa.top_zone_30_days if fa else None))
        return out


@router.get("/events", dependencies=[allowed(P.cameras_read)], response_model=list[CameraEventOut])
def events(
    services: ServicesDep, user: UserDep,
    camera: Annotated[str | None, Query(max_length=64)] = None,
    kind: Annotated[Literal["motion", "tamper", "camera_offline"] | None, Query()] = None,
    since: Annotated[IsoDateTime | None, Query(description="ISO 8601 with an offset")] = None,
    until: Annotated[IsoDateTime | None, Query(description="ISO 8601 with an offset")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> list[CameraEventOut]:
    with services.db.read() as s:
        rows = CameraEventsRepository(s).search(
            camera_id=camera, kind=kind, since=since, until=until, limit=limit, offset=offset
        )
        return [_out(r) for r in rows]


def _event(services: ServicesDep, event_id: int) -> CameraEventOut:
    with services.db.read() as s:
        row = CameraEventsRepository(s).get(event_id)
        if row is None:
            raise NotFound("camera_event_not_found", f"no camera event {event_id}")
        return _out(row)


def _paths(services: ServicesDep, event_id: int) -> tuple[str | None, str | None]:
    with services.db.read() as s:
        row = CameraEventsRepository(s).get(event_id)
        if row is None:
            raise NotFound("camera_event_not_found", f"no camera event {event_id}")
        return row.snapshot_path, row.clip_path


def _media(services: ServicesDep, rel: str | None) -> Path | None:
    if not rel:
        return None
    root = services.config.data_dir.resolve()
    path = (root / rel).resolve()
    return path if path.is_relative_to(root) and path.is_file() else None


@router.get("/events/{event_id}", dependencies=[allowed(P.cameras_read)], response_model=CameraEventOut)
def event(event_id: RowId, services: ServicesDep, user: UserDep) -> CameraEventOut:
    return _event(services, event_id)


@router.get("/events/{event_id}/snapshot", dependencies=[allowed(P.camera_media_read)], response_class=FileResponse)
def snapshot(event_id: RowId, services: ServicesDep, user: UserDep) -> FileResponse:
    path = _media(services, _paths(services, event_id)[0])
    if path is None:
        raise NotFound("snapshot_not_found", f"camera event {event_id} has no snapshot")
    return FileResponse(path, media_type="image/jpeg")


@router.get(
    "/events/{event_id}/snapshot/{cls}", dependencies=[allowed(P.camera_media_read)], response_class=FileResponse
)
def class_snapshot(
    event_id: RowId, cls: Literal["person", "vehicle", "animal"], services: ServicesDep, user: UserDep
) -> FileResponse:
    """The best picture of one class seen during the event."""
    with services.db.read() as s:
        row = CameraEventsRepository(s).get(event_id)
        if row is None:
            raise NotFound("camera_event_not_found", f"no camera event {event_id}")
        rel = json.loads(row.classes or "{}").get(cls, {}).get("snapshot")
    path = _media(services, rel)
    if path is None:
        raise NotFound("snapshot_not_found", f"camera event {event_id} has no snapshot of a {cls}")
    return FileResponse(path, media_type="image/jpeg")


@router.get("/events/{event_id}/clip", dependencies=[allowed(P.camera_media_read)], response_class=FileResponse)
def clip(event_id: RowId, services: ServicesDep, user: UserDep) -> FileResponse:
    path = _media(services, _paths(services, event_id)[1])
    if path is None:
        raise NotFound("clip_not_found", f"camera event {event_id} has no clip")
    media = "video/mp4" if path.suffix == ".mp4" else "video/x-matroska"
    return FileResponse(path, media_type=media, filename=path.name)
