"""The villagers' vote, reached without a login from a QR code on a printed slip or a link in a text.

The single-use code is the credential (like the acknowledge link's token): it arrives in the URL's
fragment (`/vote#ABCDE-FGHJK`), which browsers never send, so the page request and the access log
never hold it; the page posts it in the body. Out of the OpenAPI document like the other public
pages; every answer is `no-store` and asks not to be indexed.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep
from api.routes.appraisal import VotedOut
from api.routes.pages import html_page
from api.views import shown
from watchd.services.appraisal import BallotSheet, Device

router = APIRouter(tags=["vote"], include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


class CodeIn(BaseModel):
    code: str = Field(min_length=1, max_length=40)


class CodeVoteIn(CodeIn):
    grades: dict[str, str] = Field(max_length=200)


@router.get("/vote")
def vote_page() -> HTMLResponse:
    return html_page("vote.html", headers=NO_STORE)


@router.post("/api/vote/sheet", response_model=BallotSheet)
async def sheet(body: CodeIn, services: ServicesDep, response: Response) -> BallotSheet:
    """What the code may vote on (the code is not spent)."""
    response.headers.update(NO_STORE)
    view = await run_in_threadpool(services.appraisal.sheet_for_code, body.code)
    return shown(view, services.config.settings.zone)


@router.post("/api/vote", response_model=VotedOut, status_code=201)
async def cast(body: CodeVoteIn, request: Request, services: ServicesDep, response: Response) -> VotedOut:
    response.headers.update(NO_STORE)
    device = Device(
        address=request.client.host if request.client else "",
        user_agent=request.headers.get("user-agent", ""),
    )
    await run_in_threadpool(services.appraisal.vote_by_code, body.code, body.grades, device)
    return VotedOut(status="accepted")
