"""The daily work log (工作日志): the phone page, one's own entry (pre-filled from the day's records),
a department's line and daily dynamics, leaders' overview of who wrote and their comments."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from api.access import P, allowed
from api.deps import ServicesDep, UserDep
from api.params import RowId
from api.routes.pages import html_page
from api.views import shown
from watchd.domain.worklog import MAX_COMMENT, MAX_DONE, MAX_PLAN, MAX_PROBLEMS, OwnerKind, week_of
from watchd.errors import Invalid
from watchd.services.worklog import CommentView, DayEntry, Dynamics, LogView, WroteRow

router = APIRouter(tags=["worklog"])
DayQuery = Annotated[date | None, Query(alias="date", description="Local date; today by default")]
OrgQuery = Annotated[str | None, Query(max_length=100, description="Only this organisation (administrators)")]
MAX_SPAN_DAYS = 62


class MeOut(BaseModel):
    today: date
    week: date
    person_id: str | None
    name: str | None
    leads: str | None = Field(
        description="The organisation this login leads (writes its line and plan, reviews)"
    )
    admin: bool
    lock_days: int
    remind_at: str


class LogIn(BaseModel):
    day: date = Field(description="The local day the entry is for (not after today)")
    done: str = Field("", max_length=MAX_DONE, description="今日工作")
    problems: str = Field("", max_length=MAX_PROBLEMS, description="存在问题")
    plan: str = Field("", max_length=MAX_PLAN, description="明日计划")
    person_id: str | None = Field(
        None, max_length=64, description="Whose entry; only your own (empty: yourself)"
    )


class DepartmentLogIn(BaseModel):
    day: date
    organisation: str = Field(min_length=1, max_length=100)
    line: str = Field(min_length=1, max_length=MAX_DONE, description="The department's own line of the day")


class CommentIn(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_COMMENT)


def span(first: date | None, last: date | None, default: date) -> tuple[date, date]:
    """A period of at most MAX_SPAN_DAYS days; the week of `default` when neither end is given."""
    first = first or (week_of(last) if last else week_of(default))
    last = last or first + timedelta(days=6)
    if last < first or (last - first).days >= MAX_SPAN_DAYS:
        raise Invalid(
            "bad_period", f"from {first} to {last}: give at most {MAX_SPAN_DAYS} days, from before until"
        )
    return first, last


@router.get("/worklog", include_in_schema=False)
def worklog_page() -> HTMLResponse:
    return html_page("worklog.html")


@router.get("/api/worklog/me", dependencies=[allowed(P.self_service)], response_model=MeOut)
def me(services: ServicesDep, user: UserDep) -> MeOut:
    """Today's date in the township, who the login writes for, and the work-log settings the page shows."""
    person_id, name, leads, admin = services.worklog.scope(user)
    today = services.worklog.today()
    config = services.config.settings.worklog
    return MeOut(
        today=today,
        week=week_of(today),
        person_id=person_id,
        name=name,
        leads=leads,
        admin=admin,
        lock_days=config.lock_days,
        remind_at=config.remind_at.strftime("%H:%M"),
    )


@router.get("/api/worklog/entry", dependencies=[allowed(P.self_service)], response_model=DayEntry)
def day_entry(
    services: ServicesDep,
    user: UserDep,
    day: DayQuery = None,
    person: Annotated[str | None, Query(max_length=64, description="Whose entry (yours by default)")] = None,
) -> DayEntry:
    """The entry of the day with its history and comments; unwritten, the lines suggested by the day's records."""
    owner = person or user.username
    view = services.worklog.day_entry(user, OwnerKind.person, owner, day or services.worklog.today())
    return shown(view, services.config.settings.zone)


@router.put(
    "/api/worklog/entry",
    dependencies=[allowed(P.self_service)],
    response_model=LogView,
    responses={
        403: {"description": "another person's entry"},
        409: {"description": "the day is locked"},
        422: {"description": "a future day, or empty"},
    },
)
def write_entry(services: ServicesDep, user: UserDep, body: LogIn) -> LogView:
    """Write or edit your own entry of a day; an edit keeps the version it replaces in the history."""
    view = services.worklog.write(
        user,
        OwnerKind.person,
        body.person_id or user.username,
        body.day,
        done=body.done,
        problems=body.problems,
        plan=body.plan,
    )
    return shown(view, services.config.settings.zone)


@router.get("/api/worklog/entries", dependencies=[allowed(P.self_service)], response_model=list[LogView])
def entries(
    services: ServicesDep,
    user: UserDep,
    first: Annotated[date | None, Query(alias="from")] = None,
    last: Annotated[date | None, Query(alias="until")] = None,
    person: Annotated[str | None, Query(max_length=64)] = None,
) -> list[LogView]:
    """A person's entries of a period (this week by default): yours, or as a leader your organisation's."""
    start, end = span(first, last, services.worklog.today())
    views = services.worklog.entries(user, OwnerKind.person, person or user.username, start, end)
    return shown(views, services.config.settings.zone)


@router.put("/api/worklog/department", dependencies=[allowed(P.worklog_review)], response_model=LogView)
def write_department_line(services: ServicesDep, user: UserDep, body: DepartmentLogIn) -> LogView:
    """The department's own line of the day (its leaders write it)."""
    view = services.worklog.write(user, OwnerKind.department, body.organisation, body.day, done=body.line)
    return shown(view, services.config.settings.zone)


@router.get("/api/worklog/dynamics", dependencies=[allowed(P.self_service)], response_model=Dynamics)
def dynamics(
    services: ServicesDep,
    user: UserDep,
    organisation: Annotated[str, Query(min_length=1, max_length=100)],
    day: DayQuery = None,
) -> Dynamics:
    """每日工作动态: the department's line and its members' entries of the day, and who has not written."""
    view = services.worklog.dynamics(user, organisation, day or services.worklog.today())
    return shown(view, services.config.settings.zone)


@router.get("/api/worklog/status", dependencies=[allowed(P.worklog_review)], response_model=list[WroteRow])
def status(
    services: ServicesDep,
    user: UserDep,
    organisation: OrgQuery = None,
    first: Annotated[
        date | None, Query(alias="from", description="First day; this week's Monday by default")
    ] = None,
    last: Annotated[
        date | None, Query(alias="until", description="Last day; a week after `from` by default")
    ] = None,
) -> list[WroteRow]:
    """Who wrote and who did not: per person the days written and the working days due (a day: from=until)."""
    start, end = span(first, last, services.worklog.today())
    return services.worklog.wrote(user, start, end, organisation)


@router.post(
    "/api/worklog/entries/{log_id}/comments",
    dependencies=[allowed(P.worklog_review)],
    response_model=CommentView,
    status_code=201,
)
def comment(log_id: RowId, services: ServicesDep, user: UserDep, body: CommentIn) -> CommentView:
    """A leader's comment (批注) on an entry of their organisation."""
    return shown(services.worklog.comment(user, log_id, body.text), services.config.settings.zone)
