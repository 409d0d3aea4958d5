"""Attendance: days per person and per date, settlement, the holiday calendar, device watermarks."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from api.access import P, allowed
from api.deps import KioskDep, ServicesDep, UserDep
from api.params import IsoDate
from api.views import shown
from watchd.db.repositories.people import PeopleRepository
from watchd.db.repositories.scheduler import SchedulerRepository
from watchd.domain.attendance.labels import KIND_NAMES, STATUS_NAMES
from watchd.domain.leave import month_bounds
from watchd.errors import Forbidden
from watchd.reports.daily import day_heading
from watchd.reports.monthly import month_of
from watchd.services.attendance import SettlementReport, WatermarkView
from watchd.services.attendance.day_views import CalendarDayView, DayView, SuspectRow
from watchd.services.directory import load_directory
from watchd.services.leave import visible_people

router = APIRouter(prefix="/api/attendance", tags=["attendance"])
# Years 1900-2999: a month must have a previous and a next month the calendar can hold.
MONTH_PATTERN = r"^(19|2\d)\d{2}-(0[1-9]|1[0-2])$"
MonthQuery = Annotated[str, Query(pattern=MONTH_PATTERN, description="YYYY-MM", examples=["2026-11"])]
OptionalMonth = Annotated[str | None, Query(pattern=MONTH_PATTERN, description="YYYY-MM; this month by default")]


class DailyOut(BaseModel):
    day: date
    heading: str
    settled: bool
    provisional: bool
    calendar: CalendarDayView
    records: list[DayView]
    suspects: list[SuspectRow]


class OverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    workday: bool = Field(description="true: a working day (调休上班); false: a day off")
    name: str = Field("", max_length=40, description="e.g. 春节")


class HolidayNoticeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=20_000, description="国务院办公厅关于20XX年部分节假日安排的通知, as pasted")
    year: int | None = Field(None, ge=2000, le=2100, description="Only when the pasted text has no title with the year")


class HolidayNoticeConfirmIn(HolidayNoticeIn):
    digest: str = Field(min_length=1, max_length=64, description="The digest of the preview being confirmed")


class ProposedDayOut(BaseModel):
    day: date
    weekday: str
    workday: bool
    kind_label: str = Field(description="放假 or 调休上班")
    name: str
    note: str
    current: CalendarDayView
    changes: bool


class HolidayItemOut(BaseModel):
    name: str
    first: date
    last: date
    days_off: int
    workdays: list[date]


class NoticePreviewOut(BaseModel):
    year: int
    items: list[HolidayItemOut]
    days: list[ProposedDayOut]
    digest: str


class DeviceSyncIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pending: int = Field(0, ge=0, le=100_000, description="Check-ins the device still holds in its queue")
    oldest_pending_at: datetime | None = Field(
        None, description="Capture time of the oldest queued check-in (ISO 8601 with offset); empty when none"
    )


class JobRunOut(BaseModel):
    job_id: str
    last_slot: datetime
    finished_at: datetime
    runs: int


@router.get("/daily", dependencies=[allowed(P.reports_read)], response_model=DailyOut)
def daily(
    services: ServicesDep, user: UserDep,
    day: Annotated[IsoDate | None, Query(alias="date", description="Local date; today by default")] = None,
) -> DailyOut:
    """Everybody's day: settled rows once the day is settled, a live evaluation before."""
    view = services.attendance.daily(day or services.attendance.today())
    directory = load_directory(services.db)
    return DailyOut(
        day=view.day, heading=day_heading(view), settled=view.settled, provisional=view.provisional,
        calendar=CalendarDayView.of(view.calendar),
        records=shown([DayView.of(r, directory) for r in view.records], services.attendance.zone),
        suspects=shown([SuspectRow.of(s, directory) for s in view.suspects], services.attendance.zone),
    )


@router.get("/people/{person_id}", dependencies=[allowed(P.self_service)], response_model=list[DayView])
def person_month(person_id: str, month: MonthQuery, services: ServicesDep, user: UserDep) -> list[DayView]:
    """One person's days in a month (the person themself, their leader, or an administrator)."""
    with services.db.read() as s:
        allowed = visible_people(PeopleRepository(s), user)
    if allowed is not None and person_id not in allowed:
        raise Forbidden("forbidden", f"{user.username} may not see {person_id}")
    first, nxt = month_bounds(month_of(month))
    records = services.attendance.person_days(person_id, first, nxt - timedelta(days=1))
    directory = load_directory(services.db)
    return shown([DayView.of(r, directory) for r in records], services.attendance.zone)


@router.post("/settle", dependencies=[allowed(P.attendance_manage)], response_model=SettlementReport)
def settle(services: ServicesDep, user: UserDep) -> SettlementReport:
    """Run settlement now (the scheduler also runs it every few minutes)."""
    return services.attendance.settle()


@router.get("/calendar", dependencies=[allowed(P.self_service)], response_model=list[CalendarDayView])
def calendar(
    services: ServicesDep, user: UserDep, year: Annotated[int, Query(ge=2000, le=2100)],
    only_special: Annotated[bool, Query(description="Only holidays, adjusted workdays and overrides")] = True,
) -> list[CalendarDayView]:
    days = services.attendance.calendar_year(year)
    if only_special:
        days = [d for d in days if d.kind.value in ("holiday", "adjusted_workday") or d.source.value != "chinesecalendar"]
    return [CalendarDayView.of(d) for d in days]


@router.put("/calendar/{day}", dependencies=[allowed(P.attendance_manage)], response_model=CalendarDayView)
def set_override(day: IsoDate, body: OverrideIn, services: ServicesDep, user: UserDep) -> CalendarDayView:
    """Correct the calendar for one day; settled attendance of that day is re-settled."""
    return CalendarDayView.of(services.attendance.set_override(day, workday=body.workday, name=body.name, by=user.username))


@router.post("/calendar/notice/parse", dependencies=[allowed(P.attendance_manage)], response_model=NoticePreviewOut)
def parse_holiday_notice(body: HolidayNoticeIn, services: ServicesDep) -> NoticePreviewOut:
    """The days off and 调休 working days a pasted State Council notice announces, next to the calendar
    now; nothing is saved (confirm with the digest)."""
    preview = services.holiday_notice.preview(body.text, body.year)
    return NoticePreviewOut(
        year=preview.year, digest=preview.digest,
        items=[HolidayItemOut(name=i.name, first=i.first, last=i.last, days_off=i.days_off, workdays=i.workdays)
               for i in preview.items],
        days=[
            ProposedDayOut(day=d.day, weekday=d.weekday, workday=d.workday, kind_label="调休上班" if d.workday else "放假",
                           name=d.name, note=d.note, current=CalendarDayView.of(d.current), changes=d.changes)
            for d in preview.days
        ],
    )


@router.post("/calendar/notice/confirm", dependencies=[allowed(P.attendance_manage)],
             response_model=list[CalendarDayView])
def confirm_holiday_notice(body: HolidayNoticeConfirmIn, services: ServicesDep, user: UserDep) -> list[CalendarDayView]:
    """Save every day of the previewed notice as an override (all or none); settled days are re-settled."""
    days = services.holiday_notice.confirm(body.text, body.year, body.digest, by=user.username)
    return [CalendarDayView.of(d) for d in days]


@router.delete("/calendar/{day}", dependencies=[allowed(P.attendance_manage)], response_model=CalendarDayView)
def remove_override(day: IsoDate, services: ServicesDep, user: UserDep) -> CalendarDayView:
    return CalendarDayView.of(services.attendance.remove_override(day))


@router.post("/device-sync", response_model=WatermarkView)
def device_sync(body: DeviceSyncIn, services: ServicesDep, kiosk: KioskDep) -> WatermarkView:
    """A kiosk reports its offline queue; settlement waits until it has delivered past a day's end."""
    pending_since = body.oldest_pending_at if body.pending else None
    return services.attendance.device_synced(kiosk.device_id, pending_since=pending_since)  # in UTC, as kiosks read it


@router.get("/devices", dependencies=[allowed(P.attendance_manage)], response_model=list[WatermarkView])
def devices(services: ServicesDep, user: UserDep) -> list[WatermarkView]:
    return services.attendance.watermarks()  # in UTC, as before


@router.get("/jobs", dependencies=[allowed(P.attendance_manage)], response_model=list[JobRunOut])
def jobs(services: ServicesDep, user: UserDep) -> list[JobRunOut]:
    """The scheduled jobs' last completed runs."""
    with services.db.read() as s:
        return [
            JobRunOut(job_id=r.job_id, last_slot=r.last_slot, finished_at=r.finished_at, runs=r.runs)
            for r in sorted(SchedulerRepository(s).runs().values(), key=lambda r: r.job_id)
        ]


@router.get("/labels", dependencies=[allowed(P.self_service)])
def labels(user: UserDep) -> dict[str, dict[str, str]]:
    """Chinese names of statuses and day kinds, for pages."""
    return {"status": STATUS_NAMES, "kind": KIND_NAMES}
