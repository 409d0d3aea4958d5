"""The 1135 appraisal for the township office and the raters who log in: rounds, rolls, codes (printed
slips with QR codes, or texts), voting by login, and the appraisal sheet (JSON, XLSX)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import segno
from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.access import P, allowed
from api.deps import ServicesDep, UserDep
from api.params import RowId
from api.routes.pages import html_page
from api.routes.reports import FormatQuery, _respond
from api.views import shown
from watchd.domain.appraisal import GROUP_NAMES
from watchd.errors import TooLarge
from watchd.reports.appraisal import appraisal_table
from watchd.reports.files import Format
from watchd.reports.table import ReportTable
from watchd.services.appraisal import BallotSheet, NewRound, RollReport, RoundView
from watchd.services.visits import MAX_IMPORT_BYTES

router = APIRouter(tags=["appraisal"])
CodeGroup = Literal["committee", "villagers"]


class RoundIn(BaseModel):
    name: str = Field(min_length=1, max_length=60, description="e.g. 2026年第四季度")
    period_start: date
    period_end: date
    opens_at: datetime = Field(description="ISO 8601 with offset")
    closes_at: datetime = Field(description="ISO 8601 with offset")
    organisation: str = Field("", max_length=100, description="Only cadres of this organisation; empty: all")


class SlipOut(BaseModel):
    entry_id: str
    name: str
    village_name: str
    code: str
    url: str
    qr_svg: str  # made here by segno; the page shows it as an image


class SlipsOut(BaseModel):
    round_name: str
    group_name: str
    slips: list[SlipOut]


class TextsOut(BaseModel):
    sent: int


class VoteIn(BaseModel):
    grades: dict[str, str] = Field(description="cadre id -> excellent | competent | basic | incompetent")


class VotedOut(BaseModel):
    status: str


def base_url(request: Request, services: ServicesDep) -> str:
    return services.config.settings.alerts.public_url or str(request.base_url).rstrip("/")


@router.get("/appraisal", include_in_schema=False)
def appraisal_page() -> HTMLResponse:
    return html_page("appraisal.html")


@router.post(
    "/api/appraisal/rounds",
    dependencies=[allowed(P.appraisal_manage)],
    response_model=RoundView,
    status_code=201,
)
async def create_round(body: RoundIn, services: ServicesDep, user: UserDep) -> RoundView:
    new = NewRound(
        name=body.name,
        period_start=body.period_start,
        period_end=body.period_end,
        opens_at=body.opens_at,
        closes_at=body.closes_at,
        organisation=body.organisation,
    )
    view = await run_in_threadpool(services.appraisal.create_round, user, new)
    return shown(view, services.config.settings.zone)


@router.get("/api/appraisal/rounds", dependencies=[allowed(P.appraisal_read)], response_model=list[RoundView])
async def rounds(services: ServicesDep) -> list[RoundView]:
    return shown(await run_in_threadpool(services.appraisal.rounds), services.config.settings.zone)


@router.get(
    "/api/appraisal/rounds/{round_id}", dependencies=[allowed(P.appraisal_read)], response_model=RoundView
)
async def one_round(round_id: RowId, services: ServicesDep) -> RoundView:
    return shown(await run_in_threadpool(services.appraisal.round, round_id), services.config.settings.zone)


@router.post(
    "/api/appraisal/rounds/{round_id}/rolls/{group}",
    dependencies=[allowed(P.appraisal_manage)],
    response_model=RollReport,
    responses={422: {"description": "nothing imported; `problems` lists each row and column at fault"}},
)
async def import_roll(
    round_id: RowId,
    group: CodeGroup,
    services: ServicesDep,
    file: Annotated[
        UploadFile,
        File(description="CSV or XLSX: 户编号 (or 编号), 户主姓名 (or 姓名), 嘎查（村）, 联系电话"),
    ],
) -> RollReport:
    """Replace the round's committee or household roll (all or nothing; refused once a code of it was used)."""
    data = await file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise TooLarge("too_large", f"the file is larger than {MAX_IMPORT_BYTES} bytes")
    return await run_in_threadpool(
        services.appraisal.import_roll, round_id, group, file.filename or "roll.csv", data
    )


@router.post(
    "/api/appraisal/rounds/{round_id}/slips/{group}",
    dependencies=[allowed(P.appraisal_manage)],
    response_model=SlipsOut,
)
async def slips(
    round_id: RowId,
    group: CodeGroup,
    request: Request,
    services: ServicesDep,
    village: Annotated[str | None, Query(max_length=64, description="Only this village (site id)")] = None,
    reissue: Annotated[
        bool, Query(description="New codes also for unused ones (the old ones stop working)")
    ] = False,
) -> SlipsOut:
    """New single-use codes to print, each with its QR code; shown this once (only a hash is kept)."""
    made = await run_in_threadpool(
        services.appraisal.slips,
        round_id,
        group,
        base_url(request, services),
        village=village,
        reissue=reissue,
    )
    view = await run_in_threadpool(services.appraisal.round, round_id)
    return SlipsOut(
        round_name=view.name,
        group_name=GROUP_NAMES[group],
        slips=[
            SlipOut(
                entry_id=s.entry_id,
                name=s.name,
                village_name=s.village_name,
                code=s.code,
                url=s.url,
                qr_svg=segno.make(s.url, error="m").svg_inline(scale=3, border=2),
            )
            for s in made
        ],
    )


@router.post(
    "/api/appraisal/rounds/{round_id}/texts/{group}",
    dependencies=[allowed(P.appraisal_manage)],
    response_model=TextsOut,
)
async def texts(round_id: RowId, group: CodeGroup, request: Request, services: ServicesDep) -> TextsOut:
    """A code by text message to each roll entry with a phone number and no code yet."""
    sent = await run_in_threadpool(
        services.appraisal.send_texts, round_id, group, base_url(request, services)
    )
    return TextsOut(sent=sent)


@router.get("/api/appraisal/sheets", dependencies=[allowed(P.appraisal_vote)], response_model=list[BallotSheet])
async def my_sheets(services: ServicesDep, user: UserDep) -> list[BallotSheet]:
    """The open rounds in which this login (a leader, a cadre of the round) may still vote."""
    return shown(await run_in_threadpool(services.appraisal.sheets_for, user), services.config.settings.zone)


@router.post(
    "/api/appraisal/rounds/{round_id}/vote",
    dependencies=[allowed(P.appraisal_vote)],
    response_model=VotedOut,
    status_code=201,
)
async def vote(round_id: RowId, body: VoteIn, services: ServicesDep, user: UserDep) -> VotedOut:
    await run_in_threadpool(services.appraisal.vote_by_login, user, round_id, body.grades)
    return VotedOut(status="accepted")


@router.get(
    "/api/appraisal/rounds/{round_id}/sheet",
    dependencies=[allowed(P.appraisal_read)],
    response_class=Response,
)
async def appraisal_sheet(
    round_id: RowId, services: ServicesDep, user: UserDep, fmt: FormatQuery = Format.json
) -> Response:
    """Each cadre's weighted score, group averages and turnout, beside village days, allowance, visits,
    lateness, absence and work-log completion for the period (a leader: their organisation's cadres)."""

    def build() -> tuple[str, ReportTable]:
        results = services.appraisal.results(round_id, user)
        table = appraisal_table(
            results,
            services.attendance,
            services.visits,
            services.appraisal.worklog,
            township=services.config.settings.township,
            zone=services.config.settings.zone,
        )
        return results.round.name, table

    name, table = await run_in_threadpool(build)
    return _respond([table], fmt, f"考核汇总-{name}")
