"""Rendering report tables as files, and the monthly report files the scheduler writes."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from watchd.reports.duty_monthly import spot_check_table
from watchd.reports.export_csv import to_csv
from watchd.reports.export_xlsx import to_xlsx
from watchd.reports.monthly import monthly_table
from watchd.reports.pairings import pairing_table
from watchd.reports.review_month import review_month_table
from watchd.reports.table import ReportTable

if TYPE_CHECKING:
    from watchd.container import Core

log = logging.getLogger(__name__)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Format(StrEnum):
    json = "json"
    xlsx = "xlsx"
    csv = "csv"


def render(tables: Sequence[ReportTable], fmt: Format) -> tuple[bytes, str]:
    """File bytes and media type. CSV holds the first table only (the detail)."""
    if fmt is Format.xlsx:
        return to_xlsx(tables), XLSX_TYPE
    if fmt is Format.csv:
        return to_csv(tables[0]), "text/csv; charset=utf-8"
    raise ValueError(f"render() makes files, not {fmt}")


def format_for(path: Path) -> Format:
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in (Format.xlsx.value, Format.csv.value):
        raise ValueError(f"{path}: the file name must end in .xlsx or .csv")
    return Format(suffix)


def write_atomically(path: Path, data: bytes) -> None:
    """Write next to the target and rename, so a crash never leaves half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_monthly_reports(services: Core, month: date, now: datetime) -> list[Path]:
    """Last month's attendance summary, pairing compliance and duty report (spot checks, video
    verification and false alarms) into <data_dir>/reports/."""
    folder = services.config.data_dir / "reports"
    settings = services.config.settings
    monthly = monthly_table(services.attendance, services.db, month, generated_at=now)
    pairings = pairing_table(
        services.visits.pairings(month), month, settings.zone, township=settings.township, generated_at=now
    )
    checks = spot_check_table(services.spot_checks, services.db, month, township=settings.township, generated_at=now)
    review = review_month_table(services.db, month, settings.zone, settings.township)
    written = []
    for name, tables in (
        (f"{month:%Y-%m}-考勤汇总", [monthly]), (f"{month:%Y-%m}-走访情况", [pairings]),
        (f"{month:%Y-%m}-值班查岗", [checks, review]),  # the duty report: spot checks, then video verification
    ):
        for fmt in (Format.xlsx, Format.csv):
            path = folder / f"{name}.{fmt.value}"
            write_atomically(path, render(tables, fmt)[0])
            written.append(path)
    log.info("monthly reports for %s written to %s", f"{month:%Y-%m}", folder)
    return written
