"""Camera watch events: idempotent insert and close, search, retention."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from watchd.db.models import CameraEvent
from watchd.db.repositories.idempotent import insert_once


class CameraEventsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_key(self, key: str) -> CameraEvent | None:
        return self.session.scalars(select(CameraEvent).where(CameraEvent.event_key == key)).first()

    def get(self, event_id: int) -> CameraEvent | None:
        return self.session.get(CameraEvent, event_id)

    def insert(self, row: CameraEvent) -> CameraEvent:
        """Insert once; a replay of the same key returns the stored row unchanged."""
        found = self.by_key(row.event_key)
        if found is not None:
            return found
        if insert_once(self.session, row):
            return row
        found = self.by_key(row.event_key)
        assert found is not None
        return found

    def close_dangling(self, camera_id: str, kind: str, at: datetime, detail: str) -> int:
        """End the camera's events of `kind` left open by a crash or a stop; returns how many."""
        result = self.session.execute(
            update(CameraEvent)
            .where(CameraEvent.camera_id == camera_id, CameraEvent.kind == kind, CameraEvent.ended_at.is_(None))
            .values(ended_at=at, detail=detail)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def search(
        self, *, camera_id: str | None, kind: str | None, since: datetime | None, until: datetime | None,
        limit: int, offset: int = 0,
    ) -> Sequence[CameraEvent]:
        stmt = select(CameraEvent)
        if camera_id is not None:
            stmt = stmt.where(CameraEvent.camera_id == camera_id)
        if kind is not None:
            stmt = stmt.where(CameraEvent.kind == kind)
        if since is not None:
            stmt = stmt.where(CameraEvent.started_at >= since)
        if until is not None:
            stmt = stmt.where(CameraEvent.started_at < until)
        stmt = stmt.order_by(CameraEvent.started_at.desc(), CameraEvent.id.desc()).limit(limit).offset(offset)
        return self.session.scalars(stmt).all()

    def older_than(self, cutoff: datetime) -> Sequence[CameraEvent]:
        return self.session.scalars(select(CameraEvent).where(CameraEvent.started_at < cutoff)).all()

    def with_media_oldest_first(self) -> Sequence[CameraEvent]:
        return self.session.scalars(
            select(CameraEvent).where(CameraEvent.media_bytes > 0).order_by(CameraEvent.started_at, CameraEvent.id)
        ).all()

    def media_bytes(self) -> int:
        return int(self.session.scalar(select(func.coalesce(func.sum(CameraEvent.media_bytes), 0))) or 0)

    def delete(self, row: CameraEvent) -> None:
        self.session.delete(row)
