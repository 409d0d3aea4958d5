"""Video verification on the duty screen (视频复核): the review items, claiming one, the verdict,
"the clip was played", and the clip itself. Only the duty roles give verdicts (`review.decide`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.access import P, allowed
from api.deps import ServicesDep, UserDep
from api.params import RowId
from api.routes.attendance import OptionalMonth
from api.routes.reports import FormatQuery
from api.routes.reports import _respond as respond
from api.views import shown
from watchd.alerts.review import ReviewItemView
from watchd.errors import NotFound
from watchd.reports.files import Format
from watchd.reports.monthly import month_of
from watchd.reports.review_month import review_month_table

router = APIRouter(prefix="/api/review", tags=["review"])


class VerdictIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verdict: Literal["real", "false_alarm", "handled"] = Field(
        description="real: the leader on duty is told at once; false_alarm / handled: settles the incident once "
        "every event of it has a verdict"
    )
    note: str = Field("", max_length=300, description="What was seen or done, e.g. 风吹树枝")


@router.get("", dependencies=[allowed(P.dashboard_read)], response_model=list[ReviewItemView])
def items(
    services: ServicesDep,
    user: UserDep,
    open_only: Annotated[
        bool, Query(description="false: also the items decided in the last 12 hours")
    ] = True,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ReviewItemView]:
    return shown(
        services.alerts.review.items(open_only=open_only, limit=limit), services.config.settings.zone
    )


@router.get("/report", dependencies=[allowed(P.reports_read)], response_class=Response)
async def month_report(
    services: ServicesDep, fmt: FormatQuery = Format.json, month: OptionalMonth = None
) -> Response:
    """The monthly duty report's verification sheet: per camera the events, verdicts, false-alarm rate,
    the zone that caused most false alarms, and the median time to a verdict."""
    the_month = month_of(month) if month else services.attendance.today().replace(day=1)
    settings = services.config.settings
    table = await run_in_threadpool(
        review_month_table, services.db, the_month, settings.zone, settings.township
    )
    return respond([table], fmt, f"值班视频复核-{the_month:%Y-%m}")


@router.get("/{item_id}", dependencies=[allowed(P.dashboard_read)], response_model=ReviewItemView)
def item(item_id: RowId, services: ServicesDep, user: UserDep) -> ReviewItemView:
    return shown(services.alerts.review.item(item_id), services.config.settings.zone)


@router.post("/{item_id}/claim", dependencies=[allowed(P.review_decide)], response_model=ReviewItemView)
async def claim(item_id: RowId, services: ServicesDep, user: UserDep) -> ReviewItemView:
    """Take the item for `claim_minutes` (again: renew one's own claim); 409 while someone else holds it."""
    view = await run_in_threadpool(services.alerts.review.claim, item_id, user.username)
    services.dashboard.invalidate()
    return shown(view, services.config.settings.zone)


@router.post("/{item_id}/viewed", dependencies=[allowed(P.review_decide)], response_model=ReviewItemView)
async def viewed(item_id: RowId, services: ServicesDep, user: UserDep) -> ReviewItemView:
    """The clip was played (the first time is kept)."""
    view = await run_in_threadpool(services.alerts.review.viewed, item_id, user.username)
    return shown(view, services.config.settings.zone)


@router.post("/{item_id}/verdict", dependencies=[allowed(P.review_decide)], response_model=ReviewItemView)
async def verdict(item_id: RowId, body: VerdictIn, services: ServicesDep, user: UserDep) -> ReviewItemView:
    """real / false_alarm / handled with an optional note; 409 when decided already or claimed by another."""
    view = await run_in_threadpool(
        services.alerts.review.decide, item_id, user.username, body.verdict, body.note
    )
    services.dashboard.invalidate()
    return shown(view, services.config.settings.zone)


@router.get("/{item_id}/clip", dependencies=[allowed(P.camera_media_read)], response_class=FileResponse)
def clip(item_id: RowId, services: ServicesDep, user: UserDep) -> FileResponse:
    rel = services.alerts.review.clip_path(item_id)
    root = services.config.data_dir.resolve()
    path = (root / rel).resolve() if rel else None
    if path is None or not path.is_relative_to(root) or not path.is_file():
        raise NotFound("clip_not_found", f"review item {item_id} has no clip")
    return FileResponse(path, media_type="video/mp4" if path.suffix == ".mp4" else "video/x-matroska")
