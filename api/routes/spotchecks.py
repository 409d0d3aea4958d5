"""Spot checks (查岗): the duty-room screen sees and answers the open check; the leader on duty starts
one from the phone page (/spotcheck); the shift's checks for the duty log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from api.access import P, allowed
from api.deps import ServicesDep, UserDep
from api.params import IsoDate, RowId
from api.routes.pages import html_page
from api.views import shown
from watchd.domain.spot_checks import Channel
from watchd.services.spot_checks import ScreenCheckView, SpotCheckView
from watchd.settings.sites import Identifier

router = APIRouter(tags=["spot checks"])


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nonce: str = Field(
        min_length=8, max_length=64, description="The nonce the screen was given with the check"
    )
    code: str = Field(pattern=r"^\s*\d{4}\s*$", description="The four digits the check shows")


class StartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    room_id: Identifier = Field(description="The duty room")
    channel: Channel = Field(
        Channel.screen, description="screen: a countdown on the duty-room screen; sms: a text"
    )


@router.get("/spotcheck", include_in_schema=False)
def spot_check_page() -> HTMLResponse:
    """The leader on duty's phone page: start a check."""
    return html_page("spotcheck.html")


@router.get(
    "/api/spotchecks/open", dependencies=[allowed(P.spot_checks_answer)], response_model=list[ScreenCheckView]
)
def open_checks(services: ServicesDep, user: UserDep) -> list[ScreenCheckView]:
    """Open screen checks, with the nonce an answer must carry: for a duty-room screen's login only."""
    zone = services.config.settings.zone
    return [shown(v, zone) for v in services.spot_checks.open_for_screen(user)]


@router.post(
    "/api/spotchecks/{check_id}/answer",
    dependencies=[allowed(P.spot_checks_answer)],
    response_model=SpotCheckView,
)
def answer_check(check_id: RowId, body: AnswerIn, services: ServicesDep, user: UserDep) -> SpotCheckView:
    view = services.spot_checks.answer_on_screen(user, check_id, body.nonce, body.code)
    return shown(view, services.config.settings.zone)


@router.post(
    "/api/spotchecks",
    dependencies=[allowed(P.spot_checks_start)],
    response_model=SpotCheckView,
    status_code=201,
)
def start_check(body: StartIn, services: ServicesDep, user: UserDep) -> SpotCheckView:
    """The leader on duty of the room starts a check now."""
    view = services.spot_checks.start(user, body.room_id, body.channel)
    return shown(view, services.config.settings.zone)


@router.get("/api/spotchecks", dependencies=[allowed(P.duty_log_read)], response_model=list[SpotCheckView])
def shift_checks(
    services: ServicesDep,
    room_id: Annotated[Identifier, Query(description="The duty room")],
    day: Annotated[
        IsoDate | None, Query(description="The shift's day; the shift running now when empty")
    ] = None,
) -> list[SpotCheckView]:
    """The shift's checks that have come (answered, missed, open or not made); planned ones stay secret."""
    duty = services.duty
    room = duty.check_room(room_id)
    the_day = day or duty.shifts.day_of(services.clock())
    zone = services.config.settings.zone
    return [shown(v, zone) for v in services.spot_checks.of_shift(room, the_day)]
