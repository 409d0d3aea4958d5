"""Household pairings and visits: import, the cadre's mobile page, photos, reminders."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.access import P, allowed
from api.deps import ServicesDep, UserDep
from api.params import RowId
from api.routes.attendance import OptionalMonth
from api.routes.pages import html_page
from api.uploads import read_image_upload
from api.views import shown
from watchd.errors import NotFound, TooLarge
from watchd.reports.monthly import month_of
from watchd.services.visits import MAX_IMPORT_BYTES, NewVisit, PairingView, ReminderView, VisitView

router = APIRouter(tags=["visits"])


class ImportOut(BaseModel):
    rows: int
    households_created: int
    households_updated: int
    pairings_created: int
    pairings_ended: int


class VisitResult(BaseModel):
    status: str  # accepted | duplicate
    visit: VisitView


def _month(services: ServicesDep, month: str | None) -> date:
    return month_of(month) if month else services.attendance.today()


@router.get("/visits", include_in_schema=False)
def visits_page() -> HTMLResponse:
    return html_page("visits.html")


@router.post(
    "/api/pairings/import", dependencies=[allowed(P.pairings_manage)], response_model=ImportOut,
    responses={422: {"description": "nothing imported; `problems` lists each row and column at fault"}},
)
async def import_pairings(
    services: ServicesDep, user: UserDep,
    file: Annotated[UploadFile, File(description="CSV or XLSX: 干部编号, 户编号, 户主姓名, 嘎查（村）, 住址, 联系电话")],
    replace: Annotated[bool, Form(description="End pairings that are not in the file")] = False,
) -> ImportOut:
    data = await file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise TooLarge("too_large", f"the file is larger than {MAX_IMPORT_BYTES} bytes")
    report = await run_in_threadpool(
        services.visits.import_pairings, file.filename or "upload.csv", data, replace=replace
    )
    return ImportOut(
        rows=report.rows, households_created=report.households_created,
        households_updated=report.households_updated, pairings_created=report.pairings_created,
        pairings_ended=report.pairings_ended,
    )


@router.get("/api/pairings", dependencies=[allowed(P.self_service)], response_model=list[PairingView])
def pairings(
    services: ServicesDep, user: UserDep, month: OptionalMonth = None,
    person: Annotated[str | None, Query(max_length=64)] = None,
) -> list[PairingView]:
    """Pairings active in the month with their visits; a cadre sees their own, a leader their organisation's."""
    rows = services.visits.pairings_for(user, _month(services, month), person)
    return shown(rows, services.config.settings.zone)


@router.post(
    "/api/visits", dependencies=[allowed(P.self_service)], response_model=VisitResult, status_code=201,
    responses={200: {"model": VisitResult, "description": "already recorded (same client_key)"}},
)
async def record_visit(
    services: ServicesDep, user: UserDep, response: Response,
    household_id: Annotated[str, Form(min_length=1, max_length=64)],
    visited_at: Annotated[datetime, Form(description="ISO 8601 with offset")],
    person_id: Annotated[str | None, Form(max_length=64, description="Whose visit; yourself when empty")] = None,
    note: Annotated[str, Form(max_length=500)] = "",
    latitude: Annotated[float | None, Form(ge=-90, le=90)] = None,
    longitude: Annotated[float | None, Form(ge=-180, le=180)] = None,
    client_key: Annotated[str | None, Form(description="Unique per visit; a resend with it is recorded once")] = None,
    photo: Annotated[UploadFile | None, File(description="Optional photo (JPEG or PNG)")] = None,
) -> VisitResult:
    data = None
    if photo is not None and (photo.filename or photo.size):
        data = await read_image_upload(photo, services.config.settings.recognition.max_upload_bytes)
    new = NewVisit(
        person_id=person_id or user.username, household_id=household_id, visited_at=visited_at, note=note,
        photo=data, latitude=latitude, longitude=longitude, client_key=client_key or None,
    )
    view, created = await run_in_threadpool(services.visits.record_visit, user, new)
    if not created:
        response.status_code = 200
    return VisitResult(status="accepted" if created else "duplicate", visit=shown(view, services.config.settings.zone))


@router.get("/api/visits", dependencies=[allowed(P.self_service)], response_model=list[VisitView])
def visits(
    services: ServicesDep, user: UserDep, month: OptionalMonth = None,
    person: Annotated[str | None, Query(max_length=64)] = None,
) -> list[VisitView]:
    rows = services.visits.visits(user, _month(services, month), person)
    return shown(rows, services.config.settings.zone)


@router.get("/api/visits/{visit_id}/photo", dependencies=[allowed(P.self_service)], response_class=FileResponse)
def visit_photo(visit_id: RowId, services: ServicesDep, user: UserDep) -> FileResponse:
    path = services.visits.visit_photo(user, visit_id)
    if path is None or not path.exists():
        raise NotFound("photo_not_found", f"visit {visit_id} has no photo")
    return FileResponse(path, media_type="image/png" if path.suffix == ".png" else "image/jpeg")


@router.get("/api/reminders", dependencies=[allowed(P.self_service)], response_model=list[ReminderView])
def reminders(services: ServicesDep, user: UserDep, month: OptionalMonth = None) -> list[ReminderView]:
    """Reminders and monthly lists sent (a cadre sees their own)."""
    return shown(services.visits.reminders(user, month), services.config.settings.zone)
