"""The rectification ledger (整改台账): open items, list them (overdue too), sign them off (销号) with a
note and an optional photo, export to XLSX."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.access import P, allowed
from api.deps import ServicesDep, UserDep
from api.params import RowId
from api.routes.pages import STATIC
from api.routes.reports import FormatQuery, _respond
from api.uploads import read_image_upload
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


class ItemOut(BaseModel):
    id: int
    source_kind: str
    source_ref: str
    organisation: str
    problem: str
    measure: str
    owner_id: str
    owner_name: str
    deadline: date
    status: str
    overdue: bool
    opened_by: str
    opened_at: datetime
    closed_by: str | None
    closed_at: datetime | None
    close_note: str
    has_photo: bool


def item_out(v: ItemView, services: ServicesDep) -> ItemOut:
    zone = services.config.settings.zone
    return ItemOut(
        id=v.id,
        source_kind=v.source_kind,
        source_ref=v.source_ref,
        organisation=v.organisation,
        problem=v.problem,
        measure=v.measure,
        owner_id=v.owner_id,
        owner_name=v.owner_name,
        deadline=v.deadline,
        status=v.status,
        overdue=v.overdue,
        opened_by=v.opened_by,
        opened_at=v.opened_at.astimezone(zone),
        closed_by=v.closed_by,
        closed_at=v.closed_at.astimezone(zone) if v.closed_at else None,
        close_note=v.close_note,
        has_photo=v.has_photo,
    )


@router.get("/rectification", include_in_schema=False)
def ledger_page() -> FileResponse:
    return FileResponse(STATIC / "rectification.html", media_type="text/html; charset=utf-8")


@router.post(
    "/api/rectifications",
    dependencies=[allowed(P.rectification_manage)],
    response_model=ItemOut,
    status_code=201,
)
async def open_item(body: ItemIn, services: ServicesDep, user: UserDep) -> ItemOut:
    """A leader opens an item for a person of their organisation (an administrator for anybody)."""
    new = NewItem(
        source_kind=body.source_kind,
        source_ref=body.source_ref,
        problem=body.problem,
        measure=body.measure,
        owner_id=body.owner_id,
        deadline=body.deadline,
    )
    return item_out(await run_in_threadpool(services.rectification.open_item, user, new), services)


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
        body = "[" + ",".join(item_out(v, services).model_dump_json() for v in views) + "]"
        return Response(body, media_type="application/json")
    settings = services.config.settings
    table = ledger_table(
        views, settings.zone, township=settings.township, overdue=overdue, generated_at=services.clock()
    )
    return _respond([table], fmt, "整改台账" + ("-逾期" if overdue else ""))


@router.get(
    "/api/rectifications/{item_id}", dependencies=[allowed(P.rectification_read)], response_model=ItemOut
)
async def item(item_id: RowId, services: ServicesDep, user: UserDep) -> ItemOut:
    return item_out(await run_in_threadpool(services.rectification.item, user, item_id), services)


@router.post(
    "/api/rectifications/{item_id}/sign-off",
    dependencies=[allowed(P.rectification_manage)],
    response_model=ItemOut,
)
async def sign_off(
    item_id: RowId,
    services: ServicesDep,
    user: UserDep,
    note: Annotated[str, Form(min_length=1, max_length=500, description="How it was rectified")],
    photo: Annotated[UploadFile | None, File(description="Optional photo (JPEG or PNG)")] = None,
) -> ItemOut:
    """销号: the owner's leader (or an administrator) closes the item."""
    data = None
    if photo is not None and (photo.filename or photo.size):
        data = await read_image_upload(photo, services.config.settings.recognition.max_upload_bytes)
    return item_out(
        await run_in_threadpool(services.rectification.sign_off, user, item_id, note, data), services
    )


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
