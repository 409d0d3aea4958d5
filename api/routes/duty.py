"""Duty rosters, swaps, "who is on duty now", the duty log (值班日志) and the daily duty report."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.access import P, allowed
from api.deps import ServicesDep, UserDep
from api.params import IsoDate, RowId
from api.routes.pages import html_page
from api.views import shown
from watchd.domain.duty import DutyRole
from watchd.errors import Invalid, TooLarge
from watchd.services.duty import DutyLogView, ImportReport, OnDutyView, RoomView, ShiftView, SwapView
from watchd.services.duty.log import NoteView
from watchd.services.duty.roster_file import MAX_BYTES
from watchd.settings.sites import Identifier

router = APIRouter(tags=["duty"])


@router.get("/duty", include_in_schema=False)
def duty_page() -> HTMLResponse:
    return html_page("duty.html")


# -- models -------------------------------------------------------------------------------------------


class DayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    officers: list[Identifier] = Field(default_factory=list, max_length=6, description="值班人员, person ids")
    leaders: list[Identifier] = Field(default_factory=list, max_length=2, description="带班领导, person ids")


class SwapIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    room_id: Identifier
    day: IsoDate = Field(description="The shift handed over (the day it starts)")
    role: DutyRole = DutyRole.officer
    from_person: Identifier | None = Field(None, description="Who gives the shift away; yourself when empty")
    to_person: Identifier = Field(description="Who takes it")
    back_day: IsoDate | None = Field(None, description="换班: the shift of `to_person` that `from_person` takes in return")
    reason: str = Field("", max_length=500)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field("", max_length=500)


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=2000)
    day: IsoDate | None = Field(None, description="The shift's day; the shift running now when empty")
    client_key: str | None = Field(None, pattern=r"^[A-Za-z0-9_.:-]{8,80}$", description="Makes a resend a no-op")


class MarkedOut(BaseModel):
    cameras: list[str]



# -- rooms and who is on duty -------------------------------------------------------------------------


@router.get("/api/duty/rooms", dependencies=[allowed(P.duty_read)], response_model=list[RoomView])
def rooms(services: ServicesDep, user: UserDep) -> list[RoomView]:
    return services.duty.rooms()


@router.get("/api/duty/now", dependencies=[allowed(P.duty_read)], response_model=list[OnDutyView])
def now(services: ServicesDep, user: UserDep) -> list[OnDutyView]:
    """Who is on duty and on call right now in each duty room (the same answer escalation uses)."""
    return shown([services.duty.on_duty_now(r) for r in services.duty.room_ids()], services.config.settings.zone)


# -- the roster ---------------------------------------------------------------------------------------


@router.get("/api/duty/roster", dependencies=[allowed(P.duty_read)], response_model=list[ShiftView])
def roster(
    services: ServicesDep, user: UserDep, first: IsoDate, last: IsoDate,
    room: Annotated[str | None, Query(max_length=64)] = None,
) -> list[ShiftView]:
    return shown(services.duty.roster(first, last, room), services.config.settings.zone)


@router.put("/api/duty/roster/{room_id}/{day}", dependencies=[allowed(P.duty_roster_manage)], response_model=ShiftView)
def set_day(room_id: str, day: IsoDate, body: DayIn, services: ServicesDep, user: UserDep) -> ShiftView:
    """Replace the plan of one shift; approved swaps still apply on top."""
    view = services.duty.set_day(user, room_id, day, officers=body.officers, leaders=body.leaders)
    services.dashboard.invalidate()
    return shown(view, services.config.settings.zone)


@router.post(
    "/api/duty/roster/import", dependencies=[allowed(P.duty_roster_manage)], response_model=ImportReport,
    responses={422: {"description": "rows with problems: `errors` lists each with row, column and value; nothing written"}},
)
async def import_roster(
    services: ServicesDep, user: UserDep,
    file: Annotated[UploadFile, File(description="值班表 as .xlsx or .csv (UTF-8 or GBK)")],
    dry_run: Annotated[bool, Query(description="Check only, write nothing")] = False,
) -> ImportReport:
    data = await file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise TooLarge("too_large", f"the roster file is larger than {MAX_BYTES} bytes")
    report = await run_in_threadpool(
        services.duty.import_roster, user, file.filename or "roster", data, dry_run=dry_run
    )
    if report.errors:
        raise Invalid(
            "roster_rows_invalid", f"{len(report.errors)} problems in {report.rows} rows; nothing was written",
            rows=report.rows, errors=[asdict(e) for e in report.errors],
        )
    services.dashboard.invalidate()
    return report


@router.get("/api/duty/roster.ics", dependencies=[allowed(P.duty_read)], response_class=Response, responses={200: {"content": {"text/calendar": {}}}})
def roster_ical(
    services: ServicesDep, user: UserDep, first: IsoDate, last: IsoDate,
    person: Annotated[str | None, Query(max_length=64, description="Only this person's shifts")] = None,
    room: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The roster (after swaps) as iCalendar, to import into a phone's calendar."""
    body = services.duty.ical(first, last, person_id=person, room_id=room)
    name = f"duty-{person or room or 'all'}-{first.isoformat()}.ics"
    return Response(
        body, media_type="text/calendar; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


# -- swaps --------------------------------------------------------------------------------------------


@router.get("/api/duty/swaps", dependencies=[allowed(P.duty_read)], response_model=list[SwapView])
def swaps(
    services: ServicesDep, user: UserDep,
    status: Annotated[list[Literal["pending", "approved", "rejected", "cancelled"]] | None, Query()] = None,
    person: Annotated[str | None, Query(max_length=64)] = None,
    room: Annotated[str | None, Query(max_length=64)] = None,
    since: IsoDate | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[SwapView]:
    rows = services.duty.swaps(statuses=status, person_id=person, room_id=room, since=since, limit=limit)
    return shown(rows, services.config.settings.zone)


@router.post("/api/duty/swaps", dependencies=[allowed(P.duty_swap_request)], response_model=SwapView, status_code=201)
def request_swap(body: SwapIn, services: ServicesDep, user: UserDep) -> SwapView:
    """The officer asks to hand their shift to someone (替班), optionally taking one of theirs back (换班)."""
    view = services.duty.request_swap(
        user, room_id=body.room_id, day=body.day, role=body.role, from_person=body.from_person or user.username,
        to_person=body.to_person, back_day=body.back_day, reason=body.reason,
    )
    return shown(view, services.config.settings.zone)


@router.post("/api/duty/swaps/{swap_id}/approve", dependencies=[allowed(P.duty_swap_decide)], response_model=SwapView)
def approve_swap(swap_id: RowId, body: DecisionIn, services: ServicesDep, user: UserDep) -> SwapView:
    """A leader approves; refused (swap_too_late) closer than the notice period before the shift."""
    view = services.duty.decide_swap(user, swap_id, approve=True, note=body.note)
    services.dashboard.invalidate()
    return shown(view, services.config.settings.zone)


@router.post("/api/duty/swaps/{swap_id}/reject", dependencies=[allowed(P.duty_swap_decide)], response_model=SwapView)
def reject_swap(swap_id: RowId, body: DecisionIn, services: ServicesDep, user: UserDep) -> SwapView:
    view = services.duty.decide_swap(user, swap_id, approve=False, note=body.note)
    return shown(view, services.config.settings.zone)


@router.post("/api/duty/swaps/{swap_id}/cancel", dependencies=[allowed(P.duty_swap_request)], response_model=SwapView)
def cancel_swap(swap_id: RowId, services: ServicesDep, user: UserDep) -> SwapView:
    return shown(services.duty.cancel_swap(user, swap_id), services.config.settings.zone)


# -- the duty log -------------------------------------------------------------------------------------


@router.get("/api/duty/log/{room_id}", dependencies=[allowed(P.duty_log_read)], response_model=DutyLogView)
def duty_log(
    room_id: str, services: ServicesDep, user: UserDep,
    day: Annotated[IsoDate | None, Query(description="The shift's day; the shift running now when empty")] = None,
) -> DutyLogView:
    services.duty.check_room(room_id)
    return shown(services.duty_log.log(room_id, day), services.config.settings.zone)


@router.post("/api/duty/log/{room_id}/notes", dependencies=[allowed(P.duty_log_write)], response_model=NoteView, status_code=201)
def add_note(room_id: str, body: NoteIn, services: ServicesDep, user: UserDep) -> NoteView:
    view = services.duty_log.add_note(user, room_id, body.text, day=body.day, client_key=body.client_key)
    return shown(view, services.config.settings.zone)


@router.get("/api/duty/log/{room_id}/report", dependencies=[allowed(P.duty_log_read)], response_class=PlainTextResponse)
def daily_report(
    room_id: str, services: ServicesDep, user: UserDep, day: IsoDate | None = None,
) -> PlainTextResponse:
    """The daily duty report of one room as plain text (Chinese), for printing or a group message."""
    services.duty.check_room(room_id)
    return PlainTextResponse(services.duty_log.report_text(room_id, day))


@router.post("/api/duty/rooms/{room_id}/empty-seat", dependencies=[allowed(P.duty_desk_mark)], response_model=MarkedOut)
def mark_empty(room_id: str, services: ServicesDep, user: UserDep) -> MarkedOut:
    """The desk is empty now: its cameras take their next picture as the empty-seat reference."""
    services.duty.check_room(room_id)
    return MarkedOut(cameras=services.duty_watch.mark_empty(room_id))
