"""Work logs, their revisions and comments, plan items; and the day's records a log is pre-filled from."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from watchd.db.models import (
    Checkin,
    DutyNote,
    Household,
    IncidentEvent,
    PlanItem,
    ReviewItem,
    Site,
    SpotCheck,
    Visit,
    WorkLog,
    WorkLogComment,
    WorkLogRevision,
)
from watchd.db.models.alerts import Incident
from watchd.db.repositories.idempotent import insert_once

IN_LIMIT = 500  # beyond this many owners, read the period and filter here instead of a huge IN (...)


class WorklogRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # ---- logs --------------------------------------------------------------------------------

    def log(self, owner_kind: str, owner_id: str, day: date, *, lock: bool = False) -> WorkLog | None:
        stmt = select(WorkLog).where(
            WorkLog.owner_kind == owner_kind, WorkLog.owner_id == owner_id, WorkLog.day == day
        )
        if lock:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).first()

    def log_by_id(self, log_id: int) -> WorkLog | None:
        return self.session.get(WorkLog, log_id)

    def add_log(self, row: WorkLog) -> bool:
        """False when the owner's entry for the day was stored concurrently."""
        return insert_once(self.session, row)

    def logs(self, owner_kind: str, owners: Sequence[str] | None, first: date, last: date) -> list[WorkLog]:
        stmt = select(WorkLog).where(
            WorkLog.owner_kind == owner_kind, WorkLog.day >= first, WorkLog.day <= last
        )
        wanted = None if owners is None else set(owners)
        if wanted is not None and len(wanted) <= IN_LIMIT:
            stmt = stmt.where(WorkLog.owner_id.in_(sorted(wanted)))
        rows = self.session.scalars(stmt.order_by(WorkLog.owner_id, WorkLog.day))
        return [r for r in rows if wanted is None or r.owner_id in wanted]

    def work_done(self, owner_kind: str, owners: Sequence[str] | None, first: date, last: date) -> list[tuple[str, date, str]]:
        """(owner, day, done) of every entry in the period, by owner and day, without loading objects."""
        stmt = select(WorkLog.owner_id, WorkLog.day, WorkLog.done).where(
            WorkLog.owner_kind == owner_kind, WorkLog.day >= first, WorkLog.day <= last
        )
        wanted = None if owners is None else set(owners)
        if wanted is not None and len(wanted) <= IN_LIMIT:
            stmt = stmt.where(WorkLog.owner_id.in_(sorted(wanted)))
        rows = self.session.execute(stmt.order_by(WorkLog.owner_id, WorkLog.day))
        return [(o, d, done) for o, d, done in rows if wanted is None or o in wanted]

    def written_days(
        self, owner_kind: str, owners: Sequence[str] | None, first: date, last: date
    ) -> list[tuple[str, date]]:
        """(owner, day) of every entry in the period, without their text."""
        stmt = select(WorkLog.owner_id, WorkLog.day).where(
            WorkLog.owner_kind == owner_kind, WorkLog.day >= first, WorkLog.day <= last
        )
        wanted = None if owners is None else set(owners)
        if wanted is not None and len(wanted) <= IN_LIMIT:
            stmt = stmt.where(WorkLog.owner_id.in_(sorted(wanted)))
        return [(o, d) for o, d in self.session.execute(stmt) if wanted is None or o in wanted]

    def add_revision(self, row: WorkLogRevision) -> None:
        self.session.add(row)
        self.session.flush()

    def revisions(self, log_ids: Sequence[int]) -> list[WorkLogRevision]:
        if not log_ids:
            return []
        stmt = select(WorkLogRevision).where(WorkLogRevision.log_id.in_(list(log_ids)))
        return list(self.session.scalars(stmt.order_by(WorkLogRevision.log_id, WorkLogRevision.version)))

    def add_comment(self, row: WorkLogComment) -> WorkLogComment:
        self.session.add(row)
        self.session.flush()
        return row

    def comments(self, log_ids: Sequence[int]) -> list[WorkLogComment]:
        if not log_ids:
            return []
        stmt = select(WorkLogComment).where(WorkLogComment.log_id.in_(list(log_ids)))
        return list(self.session.scalars(stmt.order_by(WorkLogComment.created_at, WorkLogComment.id)))

    # ---- plan items ---------------------------------------------------------------------------

    def items(
        self, owner_kind: str | None, owners: Sequence[str] | None, weeks: Iterable[date]
    ) -> list[PlanItem]:
        stmt, wanted = self._items_where(select(PlanItem), owner_kind, owners, weeks)
        rows = self.session.scalars(stmt)
        return [r for r in rows if wanted is None or r.owner_id in wanted]

    def item_rows(
        self, owner_kind: str | None, owners: Sequence[str] | None, weeks: Iterable[date]
    ) -> list[tuple[int, str, str, date, str, str, str, str, datetime]]:
        """The same items as plain rows (id, owner kind, owner, week, text, status, note, updated by,
        updated at): what the weekly meeting shows of thousands of them, without loading objects."""
        p = PlanItem
        columns = (p.id, p.owner_kind, p.owner_id, p.week, p.text, p.status, p.note, p.updated_by, p.updated_at)
        stmt, wanted = self._items_where(select(*columns), owner_kind, owners, weeks)
        return [tuple(r) for r in self.session.execute(stmt) if wanted is None or r.owner_id in wanted]

    @staticmethod
    def _items_where(
        stmt: Any, owner_kind: str | None, owners: Sequence[str] | None, weeks: Iterable[date]
    ) -> tuple[Any, set[str] | None]:
        """`stmt` (a select of items or of their columns) narrowed and ordered; the owners to keep."""
        stmt = stmt.where(PlanItem.week.in_(list(weeks)))
        if owner_kind is not None:
            stmt = stmt.where(PlanItem.owner_kind == owner_kind)
        wanted = None if owners is None else set(owners)
        if wanted is not None and len(wanted) <= IN_LIMIT:
            stmt = stmt.where(PlanItem.owner_id.in_(sorted(wanted)))
        order = (PlanItem.owner_kind, PlanItem.owner_id, PlanItem.week, PlanItem.id)
        return stmt.order_by(*order), wanted

    def item(self, item_id: int) -> PlanItem | None:
        return self.session.get(PlanItem, item_id)

    def add_item(self, row: PlanItem) -> PlanItem:
        self.session.add(row)
        self.session.flush()
        return row

    def delete_item(self, row: PlanItem) -> None:
        self.session.delete(row)
        self.session.flush()

    # ---- the day's records (the pre-fill) -----------------------------------------------------

    def checkins_of(self, person_id: str, day: date) -> list[tuple[datetime, str, str]]:
        """(time, site name, site kind) of the person's check-ins on the local day."""
        stmt = (
            select(Checkin.occurred_at, Site.name, Site.kind)
            .join(Site, Site.id == Checkin.site_id)
            .where(Checkin.person_id == person_id, Checkin.local_date == day)
            .order_by(Checkin.occurred_at)
        )
        return [(at, name, str(kind)) for at, name, kind in self.session.execute(stmt)]

    def visits_of(self, person_id: str, start: datetime, end: datetime) -> list[tuple[datetime, str, str]]:
        """(time, household name, note) of the person's visits in [start, end)."""
        stmt = (
            select(Visit.visited_at, Household.name, Visit.note)
            .join(Household, Household.id == Visit.household_id)
            .where(Visit.person_id == person_id, Visit.visited_at >= start, Visit.visited_at < end)
            .order_by(Visit.visited_at)
        )
        return [(at, name, note) for at, name, note in self.session.execute(stmt)]

    def incident_actions_of(
        self, actor: str, start: datetime, end: datetime
    ) -> list[tuple[datetime, str, str]]:
        """(time, event, incident subject) of incidents the actor acknowledged or resolved in [start, end)."""
        stmt = (
            select(IncidentEvent.at, IncidentEvent.event, Incident.subject)
            .join(Incident, Incident.id == IncidentEvent.incident_id)
            .where(
                IncidentEvent.actor == actor,
                IncidentEvent.event.in_(["acknowledged", "resolved"]),
                IncidentEvent.at >= start,
                IncidentEvent.at < end,
            )
            .order_by(IncidentEvent.at)
        )
        return [(at, event, subject) for at, event, subject in self.session.execute(stmt)]

    def spot_checks_answered_by(self, actor: str, start: datetime, end: datetime) -> list[tuple[datetime, str, int]]:
        """(answered at, channel, seconds to answer) of the spot checks (查岗) the actor answered in [start, end)."""
        stmt = (
            select(SpotCheck.answered_at, SpotCheck.channel, SpotCheck.issued_at)
            .where(SpotCheck.answered_by == actor, SpotCheck.answered_at >= start, SpotCheck.answered_at < end)
            .order_by(SpotCheck.answered_at)
        )
        return [
            (at, channel, int((at - issued).total_seconds()) if issued is not None else 0)
            for at, channel, issued in self.session.execute(stmt)
            if at is not None
        ]

    def reviews_decided_by(self, actor: str, start: datetime, end: datetime) -> list[tuple[datetime, str, str]]:
        """(decided at, verdict, summary) of the camera events the actor verified (视频复核) in [start, end)."""
        stmt = (
            select(ReviewItem.decided_at, ReviewItem.status, ReviewItem.summary)
            .where(ReviewItem.decided_by == actor, ReviewItem.decided_at >= start, ReviewItem.decided_at < end)
            .order_by(ReviewItem.decided_at)
        )
        return [(at, status, summary) for at, status, summary in self.session.execute(stmt) if at is not None]

    def duty_notes_of(self, author: str, day: date) -> int:
        stmt = select(func.count(DutyNote.id)).where(DutyNote.author == author, DutyNote.day == day)
        return int(self.session.scalar(stmt) or 0)
