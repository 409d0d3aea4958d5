"""Contract: pyzk, the third-party ZKTeco client most integrations use, talks to our fake terminal.

If the fake drifts from what real terminals answer (commands pyzk sends before live capture, the way
a TCP terminal splits a large read), pyzk fails here; watchd's own client is tested against the
same fake elsewhere, so both agree with one peer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.fakes.zkteco_device import CMD_CANCELCAPTURE, CMD_STARTVERIFY, ZONE, FakeZKDevice
from tests.integration import need_module

BASE = datetime(2026, 11, 23, 7, 0, tzinfo=ZONE)
NAIVE_BASE = BASE.replace(tzinfo=None)  # pyzk gives device-local wall times without a zone


@pytest.fixture
def zk_module() -> Any:
    return need_module("zk", "pyzk")


@pytest.fixture
def terminal() -> Iterator[FakeZKDevice]:
    # pyzk 0.9 blocks in recv() when a split read has arrived whole before it asks for the rest, so the
    # packets come as slowly as a busy terminal sends them (on loopback they would otherwise arrive at once).
    dev = FakeZKDevice(serial="ZKPYZK0001", tcp_packet_gap_s=0.02)
    dev.add_user("c001", "其其格")
    dev.add_user("1001", "Uyun")
    # 120 records of 40 bytes: a 4804-byte read, which a TCP terminal splits into 1008-byte packets.
    dev.add_records([("c001" if i % 2 else "1001", BASE + timedelta(minutes=i)) for i in range(120)])
    with dev:
        yield dev


def connect(zk_module: Any, dev: FakeZKDevice, **kw: Any) -> Any:
    client = zk_module.ZK("127.0.0.1", port=dev.tcp_port, timeout=5, password=dev.comm_key, ommit_ping=True, **kw)
    return client.connect()


def test_pyzk_reads_identity_users_and_a_split_attendance_log(zk_module: Any, terminal: FakeZKDevice) -> None:
    conn = connect(zk_module, terminal)
    try:
        assert conn.get_serialnumber() == "ZKPYZK0001"
        assert conn.get_firmware_version() == "Ver 6.60 Apr 28 2016"
        users = conn.get_users()
        assert [(u.user_id, u.name) for u in users] == [("c001", "其其格"), ("1001", "Uyun")]
        log = conn.get_attendance()
    finally:
        conn.disconnect()
    assert len(log) == 120
    assert (log[0].user_id, log[0].timestamp) == ("1001", NAIVE_BASE)
    assert (log[-1].user_id, log[-1].timestamp) == ("c001", NAIVE_BASE + timedelta(minutes=119))
    assert all(a.status == 15 for a in log)  # the face verify code, where pyzk puts it for 40-byte records


def test_pyzk_reads_over_udp(zk_module: Any, terminal: FakeZKDevice) -> None:
    client = zk_module.ZK("127.0.0.1", port=terminal.udp_port, timeout=5, ommit_ping=True, force_udp=True)
    conn = client.connect()
    try:
        assert len(conn.get_attendance()) == 120
    finally:
        conn.disconnect()


def test_pyzk_authenticates_with_the_comm_key(zk_module: Any) -> None:
    with FakeZKDevice(comm_key=123456) as dev:
        conn = connect(zk_module, dev)
        assert conn.get_serialnumber() == dev.serial
        conn.disconnect()
        wrong = zk_module.ZK("127.0.0.1", port=dev.tcp_port, timeout=5, password=1, ommit_ping=True)
        with pytest.raises(zk_module.exception.ZKErrorResponse):
            wrong.connect()


@pytest.mark.date_sensitive  # the punch happens now, on the real clock
def test_pyzk_live_capture_gets_a_punch(zk_module: Any, terminal: FakeZKDevice) -> None:
    """pyzk cancels any capture (62) and starts verification (60) before it registers for events."""
    conn = connect(zk_module, terminal)
    punched_at = datetime.now(ZONE).replace(microsecond=0)

    def punch_when_registered() -> None:
        deadline = time.monotonic() + 5
        while 500 not in terminal.commands and time.monotonic() < deadline:  # CMD_REG_EVENT
            time.sleep(0.02)
        time.sleep(0.1)
        terminal.punch_live("c001", punched_at)

    threading.Thread(target=punch_when_registered, daemon=True).start()
    got = []
    try:
        for attendance in conn.live_capture(new_timeout=3):
            if attendance is None:
                break
            got.append(attendance)
            conn.end_live_capture = True
    finally:
        conn.disconnect()
    assert CMD_CANCELCAPTURE in terminal.commands and CMD_STARTVERIFY in terminal.commands
    assert [(a.user_id, a.timestamp, a.status) for a in got] == [("c001", punched_at.replace(tzinfo=None), 15)]
