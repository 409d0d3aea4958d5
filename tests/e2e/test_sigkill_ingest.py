"""The proof that terminal punches survive a crash: a real `watchd run` reads 10,000 punches from a
fake ZKTeco terminal (real binary protocol over TCP on loopback) and is killed with SIGKILL in the
middle of storing them. After a restart every punch is stored exactly once, and every punch of a
mapped user is exactly one check-in. On SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import Engine, create_engine, text

from tests.cli.test_daemon import ROOT, free_port
from tests.fakes.zkteco_device import ZONE, FakeZKDevice
from tests.helpers.waits import wait_for as helpers_wait_for

pytestmark = pytest.mark.date_sensitive  # a real `watchd run` on the real clock

PUNCHES = 10_000
USERS = ["c001", "c002", *(str(1000 + i) for i in range(48))]  # c001 and c002 are people in the config
MAPPED = sum(1 for i in range(PUNCHES) if USERS[i % len(USERS)] in ("c001", "c002"))


def config(port: int, device: FakeZKDevice) -> str:
    return f"""
township = "测试苏木"
[server]
port = {port}
[checkin]
dedup_window_minutes = 0
[[sites]]
id = "bayan"
name = "巴音嘎查"
kind = "village"
[[people]]
id = "c001"
name = "其其格"
villages = ["bayan"]
[[people]]
id = "c002"
name = "巴特尔"
[[devices]]
id = "zk-bayan"
kind = "zkteco"
site = "bayan"
host = "127.0.0.1"
port = {device.tcp_port}
live_events = false
poll_interval_s = 1
batch_size = 200
"""


def start(config_path: Path, data: Path, database_url: str, log: IO[str]) -> subprocess.Popen[str]:
    env = {**os.environ, "WATCHD_DATA_DIR": str(data), "WATCHD_DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "--config", str(config_path), "run"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
    )


def count(engine: Engine, sql: str) -> int:
    try:
        with engine.connect() as c:
            return int(c.execute(text(sql)).scalar() or 0)
    except Exception:  # the table does not exist yet (migrations running)
        return -1


def wait_for(check: Callable[[], bool], timeout: float, what: str, log: Path) -> None:
    helpers_wait_for(check, timeout, what, every=0.01, context=lambda: "daemon log:\n" + log.read_text()[-3000:])


def test_punches_are_stored_exactly_once_across_a_sigkill(tmp_path: Path, database_url: str) -> None:
    start_at = datetime.now(ZONE) - timedelta(minutes=PUNCHES + 60)
    with FakeZKDevice(serial="ZKE2E0001") as device:
        for user in USERS:
            device.add_user(user)
        device.add_records((USERS[i % len(USERS)], start_at + timedelta(minutes=i)) for i in range(PUNCHES))
        config_path = tmp_path / "watchd.toml"
        config_path.write_text(config(free_port(), device), encoding="utf-8")
        engine = create_engine(database_url)
        log_path = tmp_path / "daemon.log"
        try:
            with log_path.open("w") as log:
                first = start(config_path, tmp_path / "data", database_url, log)
                try:
                    wait_for(
                        lambda: count(engine, "SELECT count(*) FROM raw_punches") >= 2000, 90, "ingest to start", log_path
                    )
                finally:
                    first.send_signal(signal.SIGKILL)
                    first.wait(10)
                at_kill = count(engine, "SELECT count(*) FROM raw_punches")
                assert 0 < at_kill < PUNCHES, f"the kill must land mid-ingest (stored {at_kill})"

                second = start(config_path, tmp_path / "data", database_url, log)
                try:
                    wait_for(
                        lambda: count(engine, "SELECT count(*) FROM raw_punches") == PUNCHES
                        and count(engine, "SELECT count(*) FROM raw_punches WHERE state = 'pending'") == 0
                        and count(engine, "SELECT count(*) FROM checkins") == MAPPED,
                        120, "every punch after the restart", log_path,
                    )
                    time.sleep(1.5)  # another poll re-reads the log: still nothing new
                finally:
                    second.send_signal(signal.SIGTERM)
                    second.wait(30)

            assert count(engine, "SELECT count(*) FROM raw_punches") == PUNCHES
            assert count(engine, "SELECT count(DISTINCT serial || device_user || device_time) FROM raw_punches") == PUNCHES
            assert count(engine, "SELECT count(*) FROM checkins") == MAPPED
            assert count(engine, "SELECT count(DISTINCT idempotency_key) FROM checkins") == MAPPED
            assert count(engine, "SELECT count(*) FROM raw_punches WHERE state = 'counted'") == MAPPED
            assert count(engine, "SELECT count(*) FROM raw_punches WHERE state = 'unmapped'") == PUNCHES - MAPPED
            assert count(engine, "SELECT count(*) FROM raw_punches WHERE state = 'counted' AND checkin_id IS NULL") == 0
            positions = count(engine, "SELECT count(*) FROM terminal_states WHERE position LIKE '10000|%'")
            assert positions == 1
        finally:
            engine.dispose()
