"""Terminal ingest benchmark: punches per second from a fake ZKTeco terminal into SQLite and PostgreSQL.

Run: .venv/bin/python bench/terminals.py [--punches N]   (prints one JSON document; progress on stderr)

The whole real path is timed: the ZKTeco driver reads the terminal's log over the binary protocol
(TCP on loopback), and the core stores each batch with its position in one transaction
(`PunchService.ingest` through the supervisor's `TerminalSink`), then writes the check-ins of
mapped users through `CheckinService.record`. Three runs per database:
  unmapped:  no device user is a person (raw punches only, the floor cost of exactly-once storage)
  mapped:    every device user is a person (each punch also becomes a check-in)
  reread:    the same log read again with the stored position discarded (every punch a duplicate)
PostgreSQL runs in a schema of its own at 127.0.0.1:5432 and is skipped when not reachable.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the fake terminal lives in tests/fakes

from sqlalchemy import create_engine, text

from devices.zkteco.config import ZKTecoConfig
from devices.zkteco.driver import ZKTecoDriver
from tests.fakes.zkteco_device import ZONE, FakeZKDevice
from watchd.app import Services, build_services
from watchd.pipeline.terminal_events import TerminalSink
from watchd.settings.load import LoadedConfig
from watchd.settings.root import Settings

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
USERS = 50


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def pg_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return True
    except OSError:
        return False


def services_for(url: str, data: Path, device: FakeZKDevice, mapped: bool) -> Services:
    users = [f"u{i:03d}" for i in range(USERS)]
    raw: dict[str, Any] = {
        "sites": [{"id": "bayan", "name": "巴音嘎查", "kind": "village"}],
        "people": [{"id": u, "name": f"干部{u}"} for u in users] if mapped else [],
        "checkin": {"dedup_window_minutes": 0},
        "devices": [{"id": "zk", "kind": "zkteco", "site": "bayan", "host": "127.0.0.1", "port": device.tcp_port}],
    }
    settings = Settings.model_validate(raw)
    loaded = LoadedConfig(path=data / "watchd.toml", settings=settings, data_dir=data, database_url=url)
    return build_services(loaded, recognition_workers=0)


async def ingest(services: Services, device: FakeZKDevice, punches: int, *, position: str | None) -> float:
    """Seconds until the driver has handed over every record and the core has stored it."""
    config = ZKTecoConfig.model_validate(
        {"kind": "zkteco", "id": "zk", "site": "bayan", "host": "127.0.0.1", "port": device.tcp_port,
         "live_events": False, "poll_interval_s": 3600, "batch_size": 500}
    )
    with services.db.unit_of_work() as s:
        s.execute(text("UPDATE terminal_states SET position = :p WHERE device_id = 'zk'"), {"p": position})
    sink = TerminalSink("zk", _NullEvents(), services.punches)
    stop = asyncio.Event()
    started = time.perf_counter()
    task = asyncio.create_task(ZKTecoDriver(config).run(sink, stop))
    target = f"{punches}|"
    while True:
        current = await asyncio.to_thread(services.punches.position, "zk")
        if current is not None and current.startswith(target):
            break
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - started
    stop.set()
    await task
    return elapsed


class _NullEvents:
    def emit(self, event: object) -> bool:
        return True


@contextmanager
def database(backend: str, tmp: Path) -> Iterator[str]:
    """A fresh database: an SQLite file, or a schema of its own in PostgreSQL."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'watchd.db'}"
        return
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield PG.rsplit("/", 1)[0] + f"/postgres?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run_backend(name: str, punches: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for mapped in (False, True):
        with (
            tempfile.TemporaryDirectory() as tmp,
            FakeZKDevice(serial=f"BENCH{uuid.uuid4().hex[:6]}", tcp_packet_gap_s=0) as device,  # watchd, not the link
            database(name, Path(tmp)) as db_url,
        ):
            start = datetime.now(ZONE) - timedelta(minutes=punches + 5)
            device.add_records((f"u{i % USERS:03d}", start + timedelta(minutes=i)) for i in range(punches))
            services = services_for(db_url, Path(tmp), device, mapped)
            try:
                label = "mapped" if mapped else "unmapped"
                log(f"{name}: {label} ingest of {punches} punches ...")
                seconds = asyncio.run(ingest(services, device, punches, position=None))
                with services.db.read() as s:
                    stored = int(s.execute(text("SELECT count(*) FROM raw_punches")).scalar() or 0)
                    checkins = int(s.execute(text("SELECT count(*) FROM checkins")).scalar() or 0)
                assert stored == punches, stored
                assert checkins == (punches if mapped else 0), checkins
                out[label] = {"seconds": round(seconds, 2), "punches_per_s": round(punches / seconds), "checkins": checkins}
                if not mapped:
                    log(f"{name}: re-read of the whole log ...")
                    again = asyncio.run(ingest(services, device, punches, position=None))
                    out["reread"] = {"seconds": round(again, 2), "punches_per_s": round(punches / again)}
            finally:
                services.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--punches", type=int, default=10_000)
    args = parser.parse_args()
    result: dict[str, Any] = {
        "benchmark": "terminal ingest (fake ZKTeco over TCP -> raw punches -> check-ins)",
        "punches": args.punches, "device_users": USERS, "batch_size": 500,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sqlite": run_backend("sqlite", args.punches),
    }
    if pg_reachable():
        result["postgresql"] = run_backend("postgresql", args.punches)
    else:
        result["postgresql"] = "skipped: not reachable at 127.0.0.1:5432"
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
