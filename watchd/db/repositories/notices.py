"""Queries on the notices table."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from watchd.db.models.notices import NoticeRecord


class NoticesRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def active_by_key(self, key: str, *, lock: bool = False) -> NoticeRecord | None:
        stmt = select(NoticeRecord).where(NoticeRecord.active_key == key)
        if lock:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).first()

    def add(self, row: NoticeRecord) -> NoticeRecord:
        self.session.add(row)
        self.session.flush()
        return row

    def get(self, notice_id: int, *, lock: bool = False) -> NoticeRecord | None:
        stmt = select(NoticeRecord).where(NoticeRecord.id == notice_id)
        if lock:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).first()

    def active(self, kinds: Sequence[str] | None = None) -> list[NoticeRecord]:
        stmt = select(NoticeRecord).where(NoticeRecord.active_key.is_not(None))
        if kinds is not None:
            stmt = stmt.where(NoticeRecord.kind.in_(list(kinds)))
        return list(self.session.scalars(stmt.order_by(NoticeRecord.first_seen_at, NoticeRecord.id)))

    def recent(self, limit: int) -> list[NoticeRecord]:
        """Active notices first, then the most recently resolved ones."""
        stmt = select(NoticeRecord).order_by(
            NoticeRecord.active_key.is_(None), NoticeRecord.last_seen_at.desc(), NoticeRecord.id.desc()
        ).limit(limit)
        return list(self.session.scalars(stmt))

    def unsent(self) -> list[NoticeRecord]:
        """Active, not acknowledged, not yet sent to the contacts."""
        stmt = select(NoticeRecord).where(
            NoticeRecord.active_key.is_not(None), NoticeRecord.sent_at.is_(None),
            NoticeRecord.acknowledged_at.is_(None),
        ).order_by(NoticeRecord.id)
        return list(self.session.scalars(stmt))

    def active_counts(self) -> dict[str, int]:
        stmt = (
            select(NoticeRecord.kind, func.count()).where(NoticeRecord.active_key.is_not(None))
            .group_by(NoticeRecord.kind)
        )
        return {str(kind): int(n) for kind, n in self.session.execute(stmt)}
