"""The audit log: append and read, never update."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchd.db.models.audit import AuditEntry


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self, *, at: datetime, actor: str, action: str, target_type: str, target_id: str,
        details: Mapping[str, object] | None = None,
    ) -> None:
        self.session.add(
            AuditEntry(
                at=at, actor=actor, action=action, target_type=target_type, target_id=target_id,
                details=dict(details or {}),
            )
        )

    def search(
        self, *, target_type: str | None = None, target_id: str | None = None, limit: int = 200, offset: int = 0
    ) -> Sequence[AuditEntry]:
        stmt = select(AuditEntry)
        if target_type is not None:
            stmt = stmt.where(AuditEntry.target_type == target_type)
        if target_id is not None:
            stmt = stmt.where(AuditEntry.target_id == target_id)
        return self.session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)).all()
