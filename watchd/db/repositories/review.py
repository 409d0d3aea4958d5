"""Review items (视频复核): insert once, the open ones, one item locked, false-alarm counts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from watchd.db.models import CameraEvent, ReviewItem
from watchd.db.repositories.idempotent import insert_once

OPEN = ("unreviewed", "claimed")


class ReviewRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: ReviewItem) -> bool:
        """False when an item for the same source exists (a replay)."""
        return insert_once(self.session, row)

    def get(self, item_id: int, *, lock: bool = False) -> ReviewItem | None:
        stmt = select(ReviewItem).where(ReviewItem.id == item_id)
        return self.session.scalars(stmt.with_for_update() if lock else stmt).first()

    def listing(self, *, open_only: bool, since: datetime | None, limit: int) -> Sequence[ReviewItem]:
        """Open items, or open items and those decided since `since`; newest first."""
        stmt = select(ReviewItem)
        if open_only or since is None:
            stmt = stmt.where(ReviewItem.status.in_(OPEN))
        else:
            stmt = stmt.where(or_(ReviewItem.status.in_(OPEN), ReviewItem.decided_at >= since))
        return self.session.scalars(
            stmt.order_by(ReviewItem.occurred_at.desc(), ReviewItem.id.desc()).limit(limit)
        ).all()

    def open_for_incident(self, incident_id: int) -> Sequence[ReviewItem]:
        return self.session.scalars(
            select(ReviewItem).where(ReviewItem.incident_id == incident_id, ReviewItem.status.in_(OPEN))
        ).all()

    def expired_claims(self, now: datetime) -> Sequence[ReviewItem]:
        return self.session.scalars(
            select(ReviewItem)
            .where(ReviewItem.status == "claimed", ReviewItem.claim_expires_at <= now)
            .with_for_update()
        ).all()

    def clips(self, camera_event_ids: Sequence[int]) -> dict[int, str]:
        """Camera event id -> its clip file (relative to the data directory), for events that have one."""
        if not camera_event_ids:
            return {}
        rows = self.session.execute(
            select(CameraEvent.id, CameraEvent.clip_path, CameraEvent.snapshot_path).where(
                CameraEvent.id.in_(list(camera_event_ids))
            )
        ).all()
        return {r[0]: r[1] for r in rows if r[1]}

    def snapshots(self, camera_event_ids: Sequence[int]) -> set[int]:
        if not camera_event_ids:
            return set()
        rows = self.session.scalars(
            select(CameraEvent.id).where(
                CameraEvent.id.in_(list(camera_event_ids)), CameraEvent.snapshot_path.is_not(None)
            )
        )
        return set(rows)

    def for_incidents(self, incident_ids: Sequence[int]) -> Sequence[ReviewItem]:
        if not incident_ids:
            return []
        return self.session.scalars(
            select(ReviewItem).where(ReviewItem.incident_id.in_(list(incident_ids))).order_by(ReviewItem.id)
        ).all()

    def false_alarms(
        self, since: datetime, until: datetime, camera_id: str | None = None
    ) -> Sequence[ReviewItem]:
        stmt = select(ReviewItem).where(
            ReviewItem.status == "false_alarm",
            ReviewItem.occurred_at >= since,
            ReviewItem.occurred_at < until,
        )
        if camera_id is not None:
            stmt = stmt.where(ReviewItem.camera_id == camera_id)
        return self.session.scalars(stmt).all()

    def in_period(self, since: datetime, until: datetime) -> Sequence[ReviewItem]:
        return self.session.scalars(
            select(ReviewItem)
            .where(ReviewItem.occurred_at >= since, ReviewItem.occurred_at < until)
            .order_by(ReviewItem.id)
        ).all()

    def verdict_counts(self, since: datetime, until: datetime) -> dict[str, int]:
        rows = self.session.execute(
            select(ReviewItem.status, func.count())
            .where(ReviewItem.occurred_at >= since, ReviewItem.occurred_at < until)
            .group_by(ReviewItem.status)
        ).all()
        return {str(r[0]): int(r[1]) for r in rows}
