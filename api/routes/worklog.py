"""The daily work log (工作日志): the phone page, one's own entry (pre-filled from the day's records),
a department's line and daily dynamics, leaders' overview of who wrote and their comments."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from api.access import P, allowed
from api.deps import ServicesDep, UserDep
from api.params import RowId
from api.routes.pages import STATIC
from watchd.domain.worklog import MAX_COMMENT, MAX_DONE, MAX_PLAN, MAX_PROBLEMS, OwnerKind, week_of
from watchd.errors import Invalid
from watchd.services.worklog import CommentView, DayEntry, LogView

router = APIRouter(tags=["worklog"])
DayQuery = Annotated[date | None, Query(alias="date", description="Local date; today by default")]
OrgQuery = Annotated[str | None, Query(max_length=100, description="Only this organisation (administrators)")]
MAX_SPAN_DAYS = 62


class RevisionOut(BaseModel):
    version: int
    done: str
    problems: str
    plan: str
    written_by: str
    written_at: datetime
    replaced_at: datetime
    replaced_by: str


class CommentOut(BaseModel):
    id: int
    author: str
    author_name: str
    text: str
    created_at: datetime


class LogOut(BaseModel):
    id: int
    owner_kind: str
    owner_id: str
    owner_name: str
    day: date
    done: str
    problems: str
    plan: str
    version: int
    written_by: str
    created_at: datetime
    updated_at: datetime
    locked: bool
    history: list[RevisionOut]
    comments: list[CommentOut]


class DayEntryOut(BaseModel):
    owner_kind: str
    owner_id: str
    owner_name: str
    day: date
    entry: LogOut | None
    suggested: list[str] = Field(description="Lines from the day's records, to start an unwritten entry with")
    writable: bool
    last_open_day: date


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


class WroteOut(BaseModel):
    person_id: str
    name: str
    organisation: str
    written: list[date]
    due: list[date]
    missing: list[date]


class DynamicsOut(BaseModel):
    organisation: str
    day: date
    line: LogOut | None
    members: list[LogOut]
    missing: list[dict[str, str]]


def log_out(v: LogView, services: ServicesDep) -> LogOut:
    zone = services.config.settings.zone
    return LogOut(
        id=v.id,
        owner_kind=v.owner_kind,
        owner_id=v.owner_id,
        owner_name=v.owner_name,
        day=v.day,
        done=v.done,
        problems=v.problems,
        plan=v.plan,
        version=v.version,
        written_by=v.written_by,
        created_at=v.created_at.astimezone(zone),
        updated_at=v.updated_at.astimezone(zone),
        locked=v.locked,
        history=[
            RevisionOut(
                version=h.version,
                done=h.done,
                problems=h.problems,
                plan=h.plan,
                written_by=h.written_by,
                written_at=h.written_at.astimezone(zone),
                replaced_at=h.replaced_at.astimezone(zone),
                replaced_by=h.replaced_by,
            )
            for h in v.history
        ],
        comments=[comment_out(c, services) for c in v.comments],
    )


def comment_out(c: CommentView, services: ServicesDep) -> CommentOut:
    return CommentOut(
        id=c.id,
        author=c.author,
        author_name=c.author_name,
        text=c.text,
        created_at=c.created_at.astimezone(services.config.settings.zone),
    )


def entry_out(e: DayEntry, services: ServicesDep) -> DayEntryOut:
    return DayEntryOut(
        owner_kind=e.owner_kind,
        owner_id=e.owner_id,
        owner_name=e.owner_name,
        day=e.day,
        entry=log_out(e.entry, services) if e.entry else None,
        suggested=e.suggested,
        writable=e.writable,
        last_open_day=e.last_open_day,
    )


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
def worklog_page() -> FileResponse:
    return FileResponse(STATIC / "worklog.html", media_type="text/html; charset=utf-8")


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


@router.get("/api/worklog/entry", dependencies=[allowed(P.self_service)], response_model=DayEntryOut)
def day_entry(
    services: ServicesDep,
    user: UserDep,
    day: DayQuery = None,
    person: Annotated[str | None, Query(max_length=64, description="Whose entry (yours by default)")] = None,
) -> DayEntryOut:
    """The entry of the day with its history and comments; unwritten, the lines suggested by the day's records."""
    owner = person or user.username
    view = services.worklog.day_entry(user, OwnerKind.person, owner, day or services.worklog.today())
    return entry_out(view, services)


@router.put(
    "/api/worklog/entry",
    dependencies=[allowed(P.self_service)],
    response_model=LogOut,
    responses={
        403: {"description": "another person's entry"},
        409: {"description": "the day is locked"},
        422: {"description": "a future day, or empty"},
    },
)
def write_entry(services: ServicesDep, user: UserDep, body: LogIn) -> LogOut:
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
    return log_out(view, services)


@router.get("/api/worklog/entries", dependencies=[allowed(P.self_service)], response_model=list[LogOut])
def entries(
    services: ServicesDep,
    user: UserDep,
    first: Annotated[date | None, Query(alias="from")] = None,
    last: Annotated[date | None, Query(alias="until")] = None,
    person: Annotated[str | None, Query(max_length=64)] = None,
) -> list[LogOut]:
    """A person's entries of a period (this week by default): yours, or as a leader your organisation's."""
    start, end = span(first, last, services.worklog.today())
    views = services.worklog.entries(user, OwnerKind.person, person or user.username, start, end)
    return [log_out(v, services) for v in views]


@router.put("/api/worklog/department", dependencies=[allowed(P.worklog_review)], response_model=LogOut)
def write_department_line(services: ServicesDep, user: UserDep, body: DepartmentLogIn) -> LogOut:
    """The department's own line of the day (its leaders write it)."""
    view = services.worklog.write(user, OwnerKind.department, body.organisation, body.day, done=body.line)
    return log_out(view, services)


@router.get("/api/worklog/dynamics", dependencies=[allowed(P.self_service)], response_model=DynamicsOut)
def dynamics(
    services: ServicesDep,
    user: UserDep,
    organisation: Annotated[str, Query(min_length=1, max_length=100)],
    day: DayQuery = None,
) -> DynamicsOut:
    """每日工作动态: the department's line and its members' entries of the day, and who has not written."""
    d = services.worklog.dynamics(user, organisation, day or services.worklog.today())
    return DynamicsOut(
        organisation=d.organisation,
        day=d.day,
        line=log_out(d.line, services) if d.line else None,
        members=[log_out(m, services) for m in d.members],
        missing=[{"person_id": pid, "name": name} for pid, name in d.missing],
    )


@router.get("/api/worklog/status", dependencies=[allowed(P.worklog_review)], response_model=list[WroteOut])
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
) -> list[WroteOut]:
    """Who wrote and who did not: per person the days written and the working days due (a day: from=until)."""
    start, end = span(first, last, services.worklog.today())
    return [
        WroteOut(
            person_id=r.person_id,
            name=r.name,
            organisation=r.organisation,
            written=r.written,
            due=r.due,
            missing=r.missing,
        )
        for r in services.worklog.wrote(user, start, end, organisation)
    ]


@router.post(
    "/api/worklog/entries/{log_id}/comments",
    dependencies=[allowed(P.worklog_review)],
    response_model=CommentOut,
    status_code=201,
)
def comment(log_id: RowId, services: ServicesDep, user: UserDep, body: CommentIn) -> CommentOut:
    """A leader's comment (批注) on an entry of their organisation."""
    return comment_out(services.worklog.comment(user, log_id, body.text), services)
