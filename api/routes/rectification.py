"""The rectification ledger (整改台账): open items, list them (overdue too), sign them off (销号) with a
note and an optional photo, export to XLSX."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import BaseModel, Field, TypeAdapter
from starlette.concurrency import run_in_threadpool

from api.access import P, allowed
from api.deps import ServicesDep, UserDep
from api.params import RowId
from api.routes.pages import html_page
from api.routes.reports import FormatQuery, _respond
from api.uploads import read_image_upload
from api.views import shown
from watchd.errors import NotFound
from watchd.reports.files import Format
from watchd.reports.rectification import ledger_table
from watchd.services.rectification import ItemView, NewItem

router = APIRouter(tags=["rectification"])
SourceKind = Literal["incident", "spot_check", "attendance", "manual"]


class ItemIn(BaseModel):
    source_kind: SourceKind
    source_ref: str = Field(
        "", max_length=100, description="Incident id, spot check reference, e.g. 'c001 2026-11-23'"
    )
    problem: str = Field(min_length=1, max_length=500)
    measure: str = Field(min_length=1, max_length=500)
    owner_id: str = Field(min_length=1, max_length=64)
    deadline: date


ITEMS = TypeAdapter(list[ItemView])


@router.get("/rectification", include_in_schema=False)
def ledger_page() -> HTMLResponse:
    return html_page("rectification.html")


@router.post(
    "/api/rectifications",
    dependencies=[allowed(P.rectification_manage)],
    response_model=ItemView,
    status_code=201,
)
async def open_item(body: ItemIn, services: ServicesDep, user: UserDep) -> ItemView:
    """A leader opens an item for a person of their organisation (an administrator for anybody)."""
    new = NewItem(
        source_kind=body.source_kind,
        source_ref=body.source_ref,
        problem=body.problem,
        measure=body.measure,
        owner_id=body.owner_id,
        deadline=body.deadline,
    )
    view = await run_in_threadpool(services.rectification.open_item, user, new)
    return shown(view, services.config.settings.zone)


@router.get("/api/rectifications", dependencies=[allowed(P.rectification_read)], response_class=Response)
async def items(
    services: ServicesDep,
    user: UserDep,
    fmt: FormatQuery = Format.json,
    status: Annotated[Literal["open", "closed"] | None, Query()] = None,
    overdue: Annotated[bool, Query(description="Only open items past their deadline")] = False,
) -> Response:
    """The ledger (a cadre: their own items; a leader: their organisation's). JSON list, or XLSX/CSV."""
    views = await run_in_threadpool(
        lambda: services.rectification.items(user, status=status, overdue=overdue)
    )
    if fmt is Format.json:
        return Response(ITEMS.dump_json(shown(views, services.config.settings.zone)), media_type="application/json")
    settings = services.config.settings
    table = ledger_table(
        views, settings.zone, township=settings.township, overdue=overdue, generated_at=services.clock()
    )
    return _respond([table], fmt, "整改台账" + ("-逾期" if overdue else ""))


@router.get(
    "/api/rectifications/{item_id}", dependencies=[allowed(P.rectification_read)], response_model=ItemView
)
async def item(item_id: RowId, services: ServicesDep, user: UserDep) -> ItemView:
    view = await run_in_threadpool(services.rectification.item, user, item_id)
    return shown(view, services.config.settings.zone)


@router.post(
    "/api/rectifications/{item_id}/sign-off",
    dependencies=[allowed(P.rectification_manage)],
    response_model=ItemView,
)
async def sign_off(
    item_id: RowId,
    services: ServicesDep,
    user: UserDep,
    note: Annotated[str, Form(min_length=1, max_length=500, description="How it was rectified")],
    photo: Annotated[UploadFile | None, File(description="Optional photo (JPEG or PNG)")] = None,
) -> ItemView:
    """销号: the owner's leader (or an administrator) closes the item."""
    data = None
    if photo is not None and (photo.filename or photo.size):
        data = await read_image_upload(photo, services.config.settings.recognition.max_upload_bytes)
    view = await run_in_threadpool(services.rectification.sign_off, user, item_id, note, data)
    return shown(view, services.config.settings.zone)


@router.get(
    "/api/rectifications/{item_id}/photo",
    dependencies=[allowed(P.rectification_read)],
    response_class=FileResponse,
)
def photo(item_id: RowId, services: ServicesDep, user: UserDep) -> FileResponse:
    path = services.rectification.photo(user, item_id)
    if path is None or not path.exists():
        raise NotFound("rectification_photo_not_found", f"rectification item {item_id} has no photo")
    return FileResponse(path, media_type="image/png" if path.suffix == ".png" else "image/jpeg")
