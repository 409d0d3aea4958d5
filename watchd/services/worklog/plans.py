"""Weekly plan items (周例会): each person and department lists next week's items; during that week each
item is marked done / partly / not done with a note."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from watchd.db.models import PlanItem
from watchd.db.repositories.people import PeopleRepository
from watchd.db.repositories.worklog import WorklogRepository
from watchd.db.session import Database
from watchd.domain.worklog import MAX_ITEM, MAX_NOTE, ItemStatus, OwnerKind, week_of
from watchd.errors import Conflict, Invalid, NotFound
from watchd.services.auth import Principal
from watchd.services.worklog.access import Scope
from watchd.services.worklog.views import PlanItemView


def item_view(r: PlanItem) -> PlanItemView:
    return PlanItemView(
        r.id, r.owner_kind, r.owner_id, r.week, r.text, ItemStatus(r.status), r.note, r.updated_by, r.updated_at
    )


class WeeklyPlans:
    def __init__(
        self, db: Database, clock: Callable[[], datetime], zone_day: Callable[[datetime], date]
    ) -> None:
        self.db = db
        self.clock = clock
        self.zone_day = zone_day

    def items(self, actor: Principal, kind: OwnerKind, owner_id: str, week: date) -> list[PlanItemView]:
        with self.db.read() as s:
            Scope(PeopleRepository(s), actor).check_read(kind, owner_id)
            return [item_view(r) for r in WorklogRepository(s).items(kind, [owner_id], [week_of(week)])]

    def add(self, actor: Principal, kind: OwnerKind, owner_id: str, week: date, text: str) -> PlanItemView:
        text = text.strip()
        if not text or len(text) > MAX_ITEM:
            raise Invalid("plan_item_length", f"a plan item has 1 to {MAX_ITEM} characters")
        if week != week_of(week):
            raise Invalid("plan_week_not_monday", f"{week} is not a Monday", week=week.isoformat())
        now = self.clock()
        if week < week_of(self.zone_day(now)):
            raise Invalid("plan_week_past", f"the week of {week} is over", week=week.isoformat())
        with self.db.unit_of_work() as s:
            Scope(PeopleRepository(s), actor).check_write(kind, owner_id)
            row = WorklogRepository(s).add_item(
                PlanItem(
                    owner_kind=kind.value,
                    owner_id=owner_id,
                    week=week,
                    text=text,
                    status=ItemStatus.open.value,
                    note="",
                    created_by=actor.username,
                    created_at=now,
                    updated_by=actor.username,
                    updated_at=now,
                )
            )
            return item_view(row)

    def mark(self, actor: Principal, item_id: int, status: ItemStatus, note: str) -> PlanItemView:
        note = note.strip()
        if len(note) > MAX_NOTE:
            raise Invalid("plan_note_length", f"a note has at most {MAX_NOTE} characters")
        now = self.clock()
        with self.db.unit_of_work() as s:
            repo = WorklogRepository(s)
            row = repo.item(item_id)
            if row is None:
                raise NotFound("plan_item_not_found", f"no plan item {item_id}")
            Scope(PeopleRepository(s), actor).check_write(OwnerKind(row.owner_kind), row.owner_id)
            if status is not ItemStatus.open and self.zone_day(now) < row.week:
                raise Conflict("plan_week_not_started", f"the week of {row.week} has not started")
            row.status, row.note, row.updated_by, row.updated_at = status.value, note, actor.username, now
            s.flush()
            return item_view(row)

    def delete(self, actor: Principal, item_id: int) -> None:
        with self.db.unit_of_work() as s:
            repo = WorklogRepository(s)
            row = repo.item(item_id)
            if row is None:
                raise NotFound("plan_item_not_found", f"no plan item {item_id}")
            Scope(PeopleRepository(s), actor).check_write(OwnerKind(row.owner_kind), row.owner_id)
            if row.status != ItemStatus.open or row.week <= week_of(self.zone_day(self.clock())):
                raise Conflict("plan_item_kept", f"plan item {item_id} is marked or its week is under way")
            repo.delete_item(row)
