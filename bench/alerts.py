"""Alert latency: from `AlertService.record(observation)` to the provider receiving the message.

The full path runs for real: the incident rules, the outbox written in the incident's transaction,
the runner woken by the new message, the claim, the webhook channel's HTTP request to a fake
receiver on loopback (tests/watchd/alerts/webhook_receiver.py). Two loads: a steady stream (one new
incident every 50 ms, each to the leader on duty) and a burst (all at once, flood control set wide
so every incident gets its own message). On SQLite, and on PostgreSQL when 127.0.0.1:5432 answers.

    .venv/bin/python bench/alerts.py [--observations 200]

Prints one JSON object; latencies in milliseconds.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the fake receiver lives in tests/

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from typing import Any  # noqa: E402

from sqlalchemy import create_engine, text  # noqa: E402

from tests.fakes.http_provider import RecordedRequest, Reply  # noqa: E402
from tests.watchd.alerts.webhook_receiver import WebhookReceiver  # noqa: E402
from watchd.alerts.runner import AlertRunner  # noqa: E402
from watchd.app import Services, build_services, utc_now  # noqa: E402
from watchd.domain.incidents import incident_id_from_code  # noqa: E402
from watchd.domain.observations import Observation, ObservationKind  # noqa: E402
from watchd.settings.load import LoadedConfig  # noqa: E402
from watchd.settings.root import Settings  # noqa: E402

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class TimedReceiver(WebhookReceiver):
    """Notes when the first request for each incident code arrives."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: dict[int, float] = {}  # incident id -> perf_counter at arrival

    def respond(self, request: RecordedRequest) -> Reply:
        if request.method == "POST":
            incident = incident_id_from_code(str(request.json()["incident_code"]))
            if incident is not None:
                self.arrived.setdefault(incident, time.perf_counter())
        return super().respond(request)


def config(receiver: TimedReceiver) -> dict[str, Any]:
    return {
        "township": "测试苏木",
        "sites": [{"id": "shakeng", "name": "3号沙坑", "kind": "protected_site"}],
        "people": [
            {"id": "l001", "name": "乌云", "role": "leader", "phone": "13800000003"},
            {"id": "p001", "name": "巴雅尔", "role": "principal_leader", "phone": "13800000004"},
        ],
        "alerts": {
            "on_call": [{"leader": "l001", "principal": "p001"}],
            "throttle": {"windows": [{"minutes": 1, "max": 1000}]},
            "escalation": {"wait_minutes": 60, "rounds": 1},
            "delivery": {"tick_seconds": 2, "concurrency": 16},
            "channels": [{"id": "hook", "kind": "webhook", "url": receiver.send_url, "status_url": receiver.status_url}],
        },
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values]
    return {"n": len(ms), "p50_ms": round(statistics.median(ms), 1), "p95_ms": round(percentile(ms, 0.95), 1),
            "max_ms": round(max(ms), 1)}


def run_load(services: Services, receiver: TimedReceiver, count: int, gap_s: float, tag: str) -> dict[str, Any]:
    started: dict[int, float] = {}
    record_s: list[float] = []
    for i in range(count):
        obs = Observation(kind=ObservationKind.motion, site_id="shakeng", subject=f"{tag}{i}",
                          occurred_at=utc_now(), summary="发现移动目标")
        t0 = time.perf_counter()
        outcome = services.alerts.record(obs)
        record_s.append(time.perf_counter() - t0)
        assert outcome.incident_id is not None
        started[outcome.incident_id] = t0
        if gap_s:
            time.sleep(gap_s)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not all(i in receiver.arrived for i in started):
        time.sleep(0.02)
    latencies = [receiver.arrived[i] - t0 for i, t0 in started.items() if i in receiver.arrived]
    return {"observation_to_provider": summary(latencies), "record_call": summary(record_s),
            "not_arrived": len(started) - len(latencies)}


def bench_database(url: str, workdir: Path, count: int) -> dict[str, Any]:
    receiver = TimedReceiver()
    with receiver:
        settings = Settings.model_validate(config(receiver))
        loaded = LoadedConfig(path=workdir / "watchd.toml", settings=settings, data_dir=workdir / "data", database_url=url)
        services = build_services(loaded, recognition_workers=0)
        stop = asyncio.Event()
        loop = asyncio.new_event_loop()
        runner = AlertRunner(services.alerts)
        thread = threading.Thread(target=loop.run_until_complete, args=(runner.run(stop),), daemon=True)
        thread.start()
        time.sleep(0.5)  # the runner holds the lease
        try:
            steady = run_load(services, receiver, count, 0.05, "steady")
            burst = run_load(services, receiver, count, 0.0, "burst")
        finally:
            loop.call_soon_threadsafe(stop.set)
            thread.join(timeout=30)
            services.close()
        return {"steady_every_50ms": steady, "burst": burst, "repeated_sends": sum(receiver.repeats.values())}


def pg_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return True
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--observations", type=int, default=200)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    results: dict[str, Any] = {"observations_per_load": args.observations}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = bench_database(f"sqlite:///{tmp}/bench.db", Path(tmp) / "sqlite", args.observations)
    if pg_available():
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            with tempfile.TemporaryDirectory() as tmp:
                url = f"{PG}?options=-csearch_path%3D{schema}"
                results["postgresql"] = bench_database(url, Path(tmp), args.observations)
        finally:
            with admin.connect() as c:
                c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    else:
        results["postgresql"] = "skipped: nothing listens on 127.0.0.1:5432"
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
