"""Leave requests (请假) and make-up punch requests (补卡)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from watchd.db.models import LeaveRequest, MakeupRequest, Person


class LeaveRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_leave(self, row: LeaveRequest) -> LeaveRequest:
        self.session.add(row)
        self.session.flush()
        return row

    def leave(self, request_id: int, *, lock: bool = False) -> LeaveRequest | None:
        stmt = select(LeaveRequest).where(LeaveRequest.id == request_id)
        if lock:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).first()

    def open_leave_of(self, person_id: str, start: datetime, end: datetime, *, exclude: int | None = None
                      ) -> list[LeaveRequest]:
        """Pending or approved leave of the person overlapping [start, end)."""
        stmt = select(LeaveRequest).where(
            LeaveRequest.person_id == person_id, LeaveRequest.status.in_(("pending", "approved")),
            LeaveRequest.start_at < end, LeaveRequest.end_at > start,
        )
        if exclude is not None:
            stmt = stmt.where(LeaveRequest.id != exclude)
        return list(self.session.scalars(stmt))

    def search_leave(
        self, *, status: str | None, person_ids: Sequence[str] | None, start: datetime | None, end: datetime | None,
        limit: int,
    ) -> list[LeaveRequest]:
        stmt = select(LeaveRequest)
        if status is not None:
            stmt = stmt.where(LeaveRequest.status == status)
        if person_ids is not None:
            stmt = stmt.where(LeaveRequest.person_id.in_(list(person_ids)))
        if start is not None and end is not None:
            stmt = stmt.where(LeaveRequest.start_at < end, LeaveRequest.end_at > start)
        return list(self.session.scalars(stmt.order_by(LeaveRequest.start_at.desc(), LeaveRequest.id.desc()).limit(limit)))

    def approved_leave(
        self, start: datetime, end: datetime, person_ids: Sequence[str] | None = None
    ) -> list[LeaveRequest]:
        stmt = select(LeaveRequest).where(
            LeaveRequest.status == "approved", LeaveRequest.start_at < end, LeaveRequest.end_at > start
        )
        if person_ids is not None:
            stmt = stmt.where(LeaveRequest.person_id.in_(list(person_ids)))
        return list(self.session.scalars(stmt))

    def approved_makeups(
        self, start: datetime, end: datetime, person_ids: Sequence[str] | None = None
    ) -> list[MakeupRequest]:
        stmt = select(MakeupRequest).where(
            MakeupRequest.status == "approved", MakeupRequest.punch_at >= start, MakeupRequest.punch_at < end
        )
        if person_ids is not None:
            stmt = stmt.where(MakeupRequest.person_id.in_(list(person_ids)))
        return list(self.session.scalars(stmt))

    def add_makeup(self, row: MakeupRequest) -> MakeupRequest:
        self.session.add(row)
        self.session.flush()
        return row

    def makeup(self, request_id: int, *, lock: bool = False) -> MakeupRequest | None:
        stmt = select(MakeupRequest).where(MakeupRequest.id == request_id)
        if lock:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).first()

    def open_makeup_at(self, person_id: str, at: datetime) -> MakeupRequest | None:
        """A pending or approved make-up punch of the person for exactly this time (a resend)."""
        return self.session.scalars(
            select(MakeupRequest).where(
                MakeupRequest.person_id == person_id, MakeupRequest.punch_at == at,
                MakeupRequest.status.in_(("pending", "approved")),
            )
        ).first()

    def count_makeups(self, person_id: str, start: datetime, end: datetime) -> int:
        return int(
            self.session.scalar(
                select(func.count()).select_from(MakeupRequest).where(
                    MakeupRequest.person_id == person_id, MakeupRequest.status.in_(("pending", "approved")),
                    MakeupRequest.punch_at >= start, MakeupRequest.punch_at < end,
                )
            )
            or 0
        )

    def search_makeups(
        self, *, status: str | None, person_ids: Sequence[str] | None, limit: int
    ) -> list[MakeupRequest]:
        stmt = select(MakeupRequest)
        if status is not None:
            stmt = stmt.where(MakeupRequest.status == status)
        if person_ids is not None:
            stmt = stmt.where(MakeupRequest.person_id.in_(list(person_ids)))
        return list(self.session.scalars(stmt.order_by(MakeupRequest.punch_at.desc(), MakeupRequest.id.desc()).limit(limit)))

    def lock_person(self, person_id: str) -> None:
        """Serialise request checks for one person (PostgreSQL row lock; SQLite serialises writers anyway)."""
        self.session.execute(select(Person.id).where(Person.id == person_id).with_for_update())
