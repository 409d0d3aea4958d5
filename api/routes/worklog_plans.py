"""The weekly plan (周例会): plan items of a person or department, their marks during the week, and the
weekly meeting view with its XLSX/CSV."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.access import P, allowed
from api.deps import ServicesDep, UserDep
from api.params import RowId
from api.routes.reports import FormatQuery, _respond
from api.views import shown
from watchd.domain.worklog import MAX_ITEM, MAX_NOTE, ItemStatus, OwnerKind, week_of
from watchd.reports.files import Format
from watchd.reports.weekly import weekly_table
from watchd.services.worklog import PlanItemView

router = APIRouter(tags=["worklog"])
WeekQuery = Annotated[
    date | None, Query(description="Any day of the week (its Monday is used); this week by default")
]


class PlanItemIn(BaseModel):
    week: date = Field(description="The Monday of the week the item is planned for (usually next week)")
    text: str = Field(min_length=1, max_length=MAX_ITEM)
    organisation: str | None = Field(None, max_length=100, description="A department's item; empty: your own")


class PlanMarkIn(BaseModel):
    status: ItemStatus = Field(description="done | partly | not_done (open: unmark)")
    note: str = Field("", max_length=MAX_NOTE)


@router.get("/api/plans", dependencies=[allowed(P.self_service)], response_model=list[PlanItemView])
def plan_items(
    services: ServicesDep,
    user: UserDep,
    week: WeekQuery = None,
    person: Annotated[str | None, Query(max_length=64, description="Whose plan (yours by default)")] = None,
    organisation: Annotated[str | None, Query(max_length=100, description="A department's plan")] = None,
) -> list[PlanItemView]:
    kind, owner = (
        (OwnerKind.department, organisation) if organisation else (OwnerKind.person, person or user.username)
    )
    views = services.worklog.plan_items(user, kind, owner, week or services.worklog.today())
    return shown(views, services.config.settings.zone)


@router.post(
    "/api/plans", dependencies=[allowed(P.self_service)], response_model=PlanItemView, status_code=201
)
def add_plan_item(services: ServicesDep, user: UserDep, body: PlanItemIn) -> PlanItemView:
    """Add an item to your plan (or, as its leader, your department's) for a week not yet over."""
    kind, owner = (
        (OwnerKind.department, body.organisation) if body.organisation else (OwnerKind.person, user.username)
    )
    item = services.worklog.add_plan_item(user, kind, owner, body.week, body.text)
    return shown(item, services.config.settings.zone)


@router.patch("/api/plans/{item_id}", dependencies=[allowed(P.self_service)], response_model=PlanItemView)
def mark_plan_item(item_id: RowId, services: ServicesDep, user: UserDep, body: PlanMarkIn) -> PlanItemView:
    """Mark an item done / partly / not done with a note, once its week has started."""
    item = services.worklog.mark_plan_item(user, item_id, body.status, body.note)
    return shown(item, services.config.settings.zone)


@router.delete("/api/plans/{item_id}", dependencies=[allowed(P.self_service)], status_code=204)
def delete_plan_item(item_id: RowId, services: ServicesDep, user: UserDep) -> Response:
    """Remove an unmarked item of a week that has not started."""
    services.worklog.delete_plan_item(user, item_id)
    return Response(status_code=204)


@router.get("/api/reports/weekly", dependencies=[allowed(P.worklog_review)], response_class=Response)
async def weekly_report(
    services: ServicesDep,
    user: UserDep,
    fmt: FormatQuery = Format.json,
    week: WeekQuery = None,
    organisation: Annotated[str | None, Query(max_length=100, description="Only this organisation")] = None,
) -> Response:
    """The weekly meeting: per department and person this week's work from the logs, this week's plan (made
    last week) with its marks and completion rate, and next week's plan. A leader sees their organisation."""
    monday = week_of(week or services.worklog.today())
    meeting = await run_in_threadpool(services.worklog.meeting, user, monday, organisation)
    settings = services.config.settings
    orgs = {r.organisation for r in meeting.rows}
    table = weekly_table(
        meeting,
        settings.zone,
        township=settings.township,
        organisation=organisation or (next(iter(orgs)) if len(orgs) == 1 else None),
        generated_at=services.clock(),
    )
    return _respond([table], fmt, f"周例会-{monday.isoformat()}")
