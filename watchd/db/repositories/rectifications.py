"""The rectification ledger (整改台账)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchd.db.models import Incident, RectificationItem


class RectificationsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: RectificationItem) -> RectificationItem:
        self.session.add(row)
        self.session.flush()
        return row

    def get(self, item_id: int, *, for_update: bool = False) -> RectificationItem | None:
        stmt = select(RectificationItem).where(RectificationItem.id == item_id)
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).first()

    def search(
        self,
        *,
        owner_ids: Sequence[str] | None,
        status: str | None,
        due_before: date | None = None,
        limit: int = 5000,
    ) -> list[RectificationItem]:
        stmt = select(RectificationItem)
        if owner_ids is not None:
            stmt = stmt.where(RectificationItem.owner_id.in_(list(owner_ids)))
        if status is not None:
            stmt = stmt.where(RectificationItem.status == status)
        if due_before is not None:
            stmt = stmt.where(RectificationItem.deadline < due_before)
        return list(
            self.session.scalars(stmt.order_by(RectificationItem.deadline, RectificationItem.id).limit(limit))
        )

    def incident_exists(self, incident_id: int) -> bool:
        return self.session.get(Incident, incident_id) is not None
