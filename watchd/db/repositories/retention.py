"""Queries of the retention job: which stored pictures are past their time, and which files rows still name."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from watchd.db.models import CameraEvent, Checkin, FaceTemplate, Incident, Visit

# kind -> (model, path column, age column); the incident kind only owns duty-room snapshots (camera
# event snapshots that incidents point at belong to the camera-event retention).
KINDS: dict[str, tuple[type[Any], InstrumentedAttribute[Any], InstrumentedAttribute[Any]]] = {
    "checkin_snapshot": (Checkin, Checkin.snapshot_path, Checkin.occurred_at),
    "enrollment_photo": (FaceTemplate, FaceTemplate.photo_path, FaceTemplate.created_at),
    "visit_photo": (Visit, Visit.photo_path, Visit.visited_at),
    "incident_snapshot": (Incident, Incident.snapshot_path, Incident.opened_at),
}
OWNED_PREFIX = {"incident_snapshot": "duty/"}


class RetentionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def detach_older_than(self, kind: str, before: datetime, limit: int) -> list[str]:
        """Clear the picture of at most `limit` rows of `kind` older than `before`; the paths they named."""
        model, path, age = KINDS[kind]
        query = select(model).where(path.is_not(None), age < before)
        if kind in OWNED_PREFIX:
            query = query.where(path.startswith(OWNED_PREFIX[kind]))
        rows = self.session.scalars(query.order_by(age).limit(limit)).all()
        paths = []
        for row in rows:
            paths.append(getattr(row, path.key))
            setattr(row, path.key, None)
        return paths

    def referenced_paths(self) -> set[str]:
        """Every file path a row names (pictures of every kind, camera snapshots and clips)."""
        found: set[str] = set()
        columns = [path for _model, path, _age in KINDS.values()]
        columns += [CameraEvent.snapshot_path, CameraEvent.clip_path]
        for column in columns:
            found.update(p for p in self.session.scalars(select(column).where(column.is_not(None))) if p)
        for row in self.session.scalars(select(CameraEvent).where(CameraEvent.classes.is_not(None))):
            found.update(row.class_snapshots())
        return found
