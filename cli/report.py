"""`watchd report daily|monthly|pairings`: the reports as XLSX or CSV files (by the file name's suffix)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from watchd.app import Services


def add_report_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = sub.add_parser("report", help="write a report as .xlsx (ready to print) or .csv")
    kinds = report.add_subparsers(dest="report", required=True)
    daily = kinds.add_parser("daily", help="every person's day, by organisation and village")
    daily.add_argument("--date", type=date.fromisoformat, help="YYYY-MM-DD (default: today)")
    monthly = kinds.add_parser(
        "monthly", help="the monthly summary per person, with village days and allowance"
    )
    pairings = kinds.add_parser("pairings", help="cadre–household pairings and their visits in the month")
    for p in (monthly, pairings):
        p.add_argument("--month", required=True, help="YYYY-MM, e.g. 2026-11")
    for p in (daily, monthly, pairings):
        p.add_argument("--out", type=Path, required=True, help="FILE.xlsx or FILE.csv")
        p.add_argument("--organisation", help="only this organisation")


def run_report(services: Services, args: argparse.Namespace) -> int:
    from watchd.reports.daily import daily_tables
    from watchd.reports.files import format_for, render, write_atomically
    from watchd.reports.monthly import month_of, monthly_table
    from watchd.reports.pairings import pairing_table

    try:
        fmt = format_for(args.out)
        month = month_of(args.month) if getattr(args, "month", None) else None
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    settings = services.config.settings
    org = args.organisation
    if args.report == "daily":
        tables = daily_tables(
            services.attendance, services.db, args.date or services.attendance.today(), organisation=org
        )
    elif args.report == "monthly":
        assert month is not None
        tables = [
            monthly_table(
                services.attendance, services.db, month, organisation=org, generated_at=services.clock()
            )
        ]
    else:
        assert month is not None
        tables = [
            pairing_table(
                services.visits.pairings(month),
                month,
                settings.zone,
                township=settings.township,
                organisation=org,
                generated_at=services.clock(),
            )
        ]
    write_atomically(args.out, render(tables, fmt)[0])
    rows = len(tables[0].rows)
    print(f"{args.out}: {tables[0].title}, {rows} rows")
    return 0
