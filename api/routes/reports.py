"""Reports: daily attendance, monthly summary, pairing compliance; JSON for the page, XLSX and CSV files."""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from api.access import P, allowed
from api.deps import ServicesDep
from api.params import IsoDate
from api.routes.attendance import OptionalMonth
from api.routes.pages import html_page
from watchd.reports.daily import daily_tables
from watchd.reports.duty_monthly import spot_check_table
from watchd.reports.files import Format, render
from watchd.reports.monthly import month_of, monthly_table
from watchd.reports.pairings import pairing_table
from watchd.reports.review_month import review_month_table
from watchd.reports.table import ReportTable

router = APIRouter(tags=["reports"])
FormatQuery = Annotated[
    Format, Query(alias="format", description="json for the page, xlsx to print, csv for other programs")
]
OrgQuery = Annotated[str | None, Query(max_length=100, description="Only this organisation")]


def _respond(tables: list[ReportTable], fmt: Format, filename: str) -> Response:
    if fmt is Format.json:
        body = json.dumps({"tables": [t.as_json() for t in tables]}, ensure_ascii=False, default=str)
        return Response(body, media_type="application/json")
    data, media_type = render(tables, fmt)
    name = f"{filename}.{fmt.value}"
    disposition = f"attachment; filename=\"report.{fmt.value}\"; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type=media_type, headers={"Content-Disposition": disposition})


@router.get("/reports", include_in_schema=False)
def reports_page() -> HTMLResponse:
    return html_page("reports.html")


@router.get("/api/reports/daily", dependencies=[allowed(P.reports_read)], response_class=Response)
async def daily_report(
    services: ServicesDep, fmt: FormatQuery = Format.json,
    day: Annotated[IsoDate | None, Query(alias="date", description="Local date; today by default")] = None,
    organisation: OrgQuery = None,
) -> Response:
    """Every person's day, by organisation and village, with summaries (three sheets in XLSX)."""
    the_day = day or services.attendance.today()
    tables = await run_in_threadpool(
        daily_tables, services.attendance, services.db, the_day, organisation=organisation
    )
    return _respond(tables, fmt, f"考勤日报-{the_day.isoformat()}")


@router.get("/api/reports/monthly", dependencies=[allowed(P.reports_read)], response_class=Response)
async def monthly_report(
    services: ServicesDep, fmt: FormatQuery = Format.json,
    month: OptionalMonth = None, organisation: OrgQuery = None,
) -> Response:
    """Per person: workdays, presence, late and early (count and minutes), absence, leave by type,
    duty, village days and the allowance."""
    the_month = month_of(month) if month else services.attendance.today().replace(day=1)
    table = await run_in_threadpool(
        monthly_table, services.attendance, services.db, the_month, organisation=organisation,
        generated_at=services.clock(),
    )
    return _respond([table], fmt, f"考勤汇总-{the_month:%Y-%m}")


@router.get("/api/reports/duty", dependencies=[allowed(P.reports_read)], response_class=Response)
async def duty_report(services: ServicesDep, fmt: FormatQuery = Format.json, month: OptionalMonth = None) -> Response:
    """The month's duty report: spot checks (查岗) per duty officer (checks, answered, 查岗响应率, median
    answer time), then video verification per camera (events, verdicts, false alarms and the zone that
    caused most of them). CSV holds the first table."""
    the_month = month_of(month) if month else services.attendance.today().replace(day=1)
    settings = services.config.settings
    checks = await run_in_threadpool(
        spot_check_table, services.spot_checks, services.db, the_month,
        township=settings.township, generated_at=services.clock(),
    )
    review = await run_in_threadpool(review_month_table, services.db, the_month, settings.zone, settings.township)
    return _respond([checks, review], fmt, f"值班查岗-{the_month:%Y-%m}")


@router.get("/api/reports/pairings", dependencies=[allowed(P.reports_read)], response_class=Response)
async def pairing_report(
    services: ServicesDep, fmt: FormatQuery = Format.json,
    month: OptionalMonth = None, organisation: OrgQuery = None,
) -> Response:
    """Every pairing active in the month, its visits, and whether it met the one-visit rule."""
    the_month = month_of(month) if month else services.attendance.today().replace(day=1)
    settings = services.config.settings
    pairings = await run_in_threadpool(services.visits.pairings, the_month)
    table = pairing_table(
        pairings, the_month, settings.zone, township=settings.township, organisation=organisation,
        generated_at=services.clock(),
    )
    return _respond([table], fmt, f"走访情况-{the_month:%Y-%m}")
