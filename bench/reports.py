"""Monthly attendance report for 5,000 cadres × 22 workdays × 4 punches, and the weekly meeting, on
SQLite and PostgreSQL.

    python bench/reports.py [--people 5000] [--households 50000] [--backend sqlite|postgresql|both] [--cores 1]
        [--weekly-only]

Loads March 2026 (22 workdays) into a fresh database: 100 villages with a kiosk each, every cadre
assigned to one, four punches per workday with some late arrivals, early departures, missing
punches and absences. Then it times, for the whole month:
- `settle_month_s`: settling every day (evaluation of all punches, upsert of the settled days);
- `report_settled_s`: the monthly report from the settled days (sums, table, XLSX and CSV bytes);
- `report_live_s`: the same report with nothing settled (every day evaluated from the punches).
- `weekly_report_s`: the weekly meeting (周例会) of everybody for the week of 2026-03-16, with a work-log
  entry per cadre and workday (about 95 % written), three plan items per cadre and department for that
  week (marked) and two for the next, as the table and its XLSX bytes (`--weekly-only`: just this,
  with the people and no punches).
- `appraisal_sheet_s`: the 1135 appraisal sheet for March (every cadre; `--households` households on
  the roll, paired and visited, 60 % of them voted; bench/appraisal_load.py) with its XLSX bytes.
Prints one JSON object per backend. PostgreSQL: 127.0.0.1:5432, trust auth (WATCHD_BENCH_PG_URL to
change); a schema of its own is created and dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text

from watchd.app import Services, build_services
from watchd.db.repositories.bulk import BulkLoader
from watchd.domain.attendance.schedule import midnight
from watchd.reports.appraisal import appraisal_table
from watchd.reports.export_csv import to_csv
from watchd.reports.export_xlsx import to_xlsx
from watchd.reports.monthly import monthly_table
from watchd.reports.weekly import weekly_table
from watchd.settings.load import LoadedConfig
from watchd.settings.root import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from appraisal_load import load_appraisal

MONTH = date(2026, 3, 1)
VILLAGES = 100
PG_URL = os.environ.get("WATCHD_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def config(people: int) -> dict[str, Any]:
    villages = [{"id": f"v{i:03d}", "name": f"第{i}嘎查", "kind": "village"} for i in range(VILLAGES)]
    return {
        "township": "基准苏木",
        "sites": [{"id": "office", "name": "苏木政府", "kind": "office"}, *villages],
        "devices": [{"id": f"kiosk-{v['id']}", "kind": "kiosk_web", "site": v["id"]} for v in villages],
        "attendance": {"rules": {"grace_late_minutes": 5, "allowance_per_day": 35}, "start_date": MONTH.isoformat()},
        "checkin": {"max_offline_days": 60},
    }


def people_rows(services: Services, people: int) -> list[dict[str, Any]]:
    created = midnight(MONTH - timedelta(days=1), services.config.settings.zone)
    return [
        {"id": f"p{i:05d}", "name": f"干部{i}", "role": "cadre", "organisation": f"第{i % 8}单位",
         "created_at": created, "phone": None, "deleted_at": None}
        for i in range(people)
    ]


def load(services: Services, people: int) -> dict[str, int]:
    rng = random.Random(6)
    zone = services.config.settings.zone
    person_rows = people_rows(services, people)
    cal = services.attendance.calendar()
    workdays = [d for d in (MONTH + timedelta(days=i) for i in range(31)) if d.month == 3 and cal.day(d).is_workday]
    punches = 0
    with services.db.unit_of_work() as s:
        loader = BulkLoader(s)
        loader.people(person_rows)
        loader.person_villages([{"person_id": p["id"], "site_id": f"v{i % VILLAGES:03d}"}
                                for i, p in enumerate(person_rows)])
    for day in workdays:
        rows = []
        for i, p in enumerate(person_rows):
            roll = rng.random()
            if roll < 0.03:
                continue  # absent
            times = [(8, 20), (12, 2), (14, 25), (18, 1)]
            if roll < 0.10:
                times[0] = (8, 30 + rng.randint(6, 50))  # late
            elif roll < 0.13:
                times[3] = (17, rng.randint(10, 55))  # early
            elif roll < 0.15:
                times.pop(1)  # forgot the noon check-out
            village = f"v{i % VILLAGES:03d}"
            for h, m in times:
                at = midnight(day, zone) + timedelta(hours=h, minutes=m, seconds=rng.randint(0, 59))
                rows.append({
                    "idempotency_key": uuid.uuid4().hex, "person_id": p["id"], "site_id": village,
                    "device_id": f"kiosk-{village}", "occurred_at": at, "received_at": at + timedelta(seconds=2),
                    "local_date": day, "method": "kiosk_face", "distance": 0.3, "second_distance": 0.7,
                    "liveness": "passed", "snapshot_path": None,
                })
        with services.db.unit_of_work() as s:
            BulkLoader(s).checkins(rows)
        punches += len(rows)
    return {"people": people, "workdays": len(workdays), "punches": punches}


@contextmanager
def timed(into: dict[str, float], name: str) -> Iterator[None]:
    """Wall seconds as `name`_s and this process's CPU seconds as `name`_cpu_s (other load does not count)."""
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    into[f"{name}_s"] = round(time.perf_counter() - wall, 2)
    into[f"{name}_cpu_s"] = round(time.process_time() - cpu, 2)


def report(services: Services) -> tuple[int, int]:
    """The monthly table with its XLSX and CSV files; the two file sizes."""
    table = monthly_table(services.attendance, services.db, MONTH, generated_at=services.clock())
    return len(to_xlsx([table])), len(to_csv(table))


WEEK = date(2026, 3, 16)
STATUSES = ("done", "done", "partly", "not_done", "open")


def load_worklog(services: Services, people: int) -> dict[str, int]:
    """A week of entries for every cadre (about 5 % missing), plans for this week and the next."""
    rng = random.Random(17)
    now = datetime(2026, 3, 20, 10, 0, tzinfo=UTC)
    logs, items = [], []
    days = [WEEK + timedelta(days=i) for i in range(5)]
    owners = [("person", f"p{i:05d}") for i in range(people)] + [("department", f"第{i}单位") for i in range(8)]
    for kind, owner in owners:
        for day in days:
            if kind == "person" and rng.random() < 0.05:
                continue
            logs.append({"owner_kind": kind, "owner_id": owner, "day": day, "done": f"{day}：入户走访{rng.randint(1, 9)}户，"
                         "整理档案，参加例会", "problems": "", "plan": "继续走访", "version": 1, "written_by": owner,
                         "created_at": now, "updated_at": now})
        for week, count in ((WEEK, 3), (WEEK + timedelta(days=7), 2)):
            for n in range(count):
                items.append({"owner_kind": kind, "owner_id": owner, "week": week, "text": f"计划事项{n + 1}",
                              "status": rng.choice(STATUSES) if week == WEEK else "open", "note": "",
                              "created_by": owner, "created_at": now, "updated_by": owner, "updated_at": now})
    with services.db.unit_of_work() as s:
        BulkLoader(s).work_logs(logs)
        BulkLoader(s).plan_items(items)
    return {"work_logs": len(logs), "plan_items": len(items)}


def weekly(services: Services) -> int:
    """The weekly meeting of everybody as the table and its XLSX; the file's size."""
    meeting = services.worklog.meeting(None, WEEK)
    table = weekly_table(meeting, services.config.settings.zone, township="基准苏木", generated_at=services.clock())
    return len(to_xlsx([table]))


def appraisal_sheet(services: Services, round_id: int) -> int:
    """The appraisal sheet of every cadre (results, watchd's facts for the month, the table) as XLSX; its size."""
    results = services.appraisal.results(round_id)
    table = appraisal_table(
        results, services.attendance, services.visits, services.appraisal.worklog,
        township=services.config.settings.township, zone=services.config.settings.zone,
    )
    return len(to_xlsx([table]))


def run(url: str, people: int, data_dir: Path, *, weekly_only: bool = False, households: int = 0) -> dict[str, Any]:
    clock = Clock(datetime(2026, 2, 27, 0, 0, tzinfo=UTC))
    settings = Settings.model_validate(config(people))
    loaded = LoadedConfig(path=data_dir / "watchd.toml", settings=settings, data_dir=data_dir, database_url=url)
    services = build_services(loaded, clock=clock, recognition_workers=0)
    times: dict[str, float] = {}
    try:
        if weekly_only:
            with services.db.unit_of_work() as s:
                BulkLoader(s).people(people_rows(services, people))
            counts = load_worklog(services, people)
            clock.now = datetime(2026, 3, 20, 10, 0, tzinfo=UTC)
            with timed(times, "weekly_report"):
                xlsx_bytes = weekly(services)
            return {"backend": services.db.dialect, "people": people, **counts, **times, "weekly_xlsx_bytes": xlsx_bytes,
                    "cores": len(os.sched_getaffinity(0)), "load_average": round(os.getloadavg()[0], 1)}
        with timed(times, "load"):
            counts = load(services, people)
            counts.update(load_worklog(services, people))
        clock.now = datetime(2026, 4, 2, 0, 0, tzinfo=UTC)  # April 2nd: March is over
        with timed(times, "report_live"):
            report(services)
        with timed(times, "settle_month"):
            settled = services.attendance.settle()
        with timed(times, "report_settled"):
            xlsx_bytes, csv_bytes = report(services)
        with timed(times, "weekly_report"):
            weekly(services)
        if households:
            counts.update(load_appraisal(services, households, VILLAGES, MONTH, clock.now))
            with timed(times, "appraisal_sheet"):
                counts["appraisal_xlsx_bytes"] = appraisal_sheet(services, counts["round_id"])
        return {
            "backend": services.db.dialect, **counts, "settled_days": len(settled.settled), **times,
            "xlsx_bytes": xlsx_bytes, "csv_bytes": csv_bytes, "cores": len(os.sched_getaffinity(0)),
            "load_average": round(os.getloadavg()[0], 1),
        }
    finally:
        services.close()


@contextmanager
def postgres_schema() -> Iterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--cores", type=int, default=1, help="pin to this many CPU cores (0: no pinning)")
    parser.add_argument("--weekly-only", action="store_true", help="only the weekly meeting (people, logs, plans)")
    parser.add_argument("--households", type=int, default=50_000, help="households on the appraisal roll (0: skip)")
    args = parser.parse_args()
    if args.cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[: args.cores]))
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(run(f"sqlite:///{tmp}/bench.db", args.people, Path(tmp), weekly_only=args.weekly_only,
                                 households=args.households)),
                  flush=True)
    if args.backend in ("postgresql", "both"):
        with postgres_schema() as url, tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(run(url, args.people, Path(tmp), weekly_only=args.weekly_only, households=args.households)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
