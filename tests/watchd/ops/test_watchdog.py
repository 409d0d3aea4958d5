"""The systemd watchdog against a real AF_UNIX datagram socket: pings only while every stage is fresh."""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.clocks import MonoClock
from watchd.ops.heartbeat import Heartbeats
from watchd.ops.watchdog import SystemdWatchdog, start_watchdog
from watchd.systemd import Notifier, watchdog_interval


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[socket.socket]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(tmp_path / "notify.sock"))
        server.setblocking(False)
        yield server


def received(server: socket.socket) -> list[str]:
    out = []
    while True:
        try:
            out.append(server.recv(4096).decode())
        except BlockingIOError:
            return out


def test_interval_is_half_of_watchdog_usec_and_only_for_our_pid() -> None:
    assert watchdog_interval({"WATCHDOG_USEC": "20000000"}) == 10.0
    assert watchdog_interval({"WATCHDOG_USEC": "20000000", "WATCHDOG_PID": str(os.getpid())}) == 10.0
    assert watchdog_interval({"WATCHDOG_USEC": "20000000", "WATCHDOG_PID": str(os.getpid() + 1)}) is None
    assert watchdog_interval({"WATCHDOG_USEC": "0"}) is None
    assert watchdog_interval({}) is None


def test_the_environment_is_read_once_and_not_inherited(
    notify_socket: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", notify_socket.getsockname())
    monkeypatch.setenv("WATCHDOG_USEC", "4000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    notifier = Notifier()
    assert notifier.watchdog_s == 2.0
    assert not {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"} & set(os.environ)


def test_pings_while_fresh_stop_when_a_stage_stalls_and_resume_on_recovery(
    notify_socket: socket.socket, caplog: pytest.LogCaptureFixture
) -> None:
    clock = MonoClock(500.0)
    heartbeats = Heartbeats(clock, factor=3)
    loop_stage = heartbeats.register("event_loop", 1)
    consumer = heartbeats.register("events:term-1", 10)
    watchdog = SystemdWatchdog(Notifier(notify_socket.getsockname()), heartbeats, interval_s=5)

    assert watchdog.check()
    assert received(notify_socket) == ["WATCHDOG=1"]

    caplog.set_level(logging.INFO, logger="watchd.ops.watchdog")
    pinged = []
    for _ in range(5):  # the consumer is stuck from now on; the event loop still turns
        clock.now += 10
        loop_stage.beat()
        pinged.append(watchdog.check())
    # Silent 10, 20, 30 s: within 3 x 10 s, still pinged; 40 and 50 s: stale, no ping.
    assert pinged == [True, True, True, False, False]
    assert received(notify_socket) == ["WATCHDOG=1"] * 3
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1, errors  # said once, not at every round
    assert "events:term-1" in errors[0] and "event_loop" not in errors[0]

    consumer.beat()
    assert watchdog.check()
    assert received(notify_socket) == ["WATCHDOG=1"]
    assert any("recovered" in r.getMessage() for r in caplog.records)


def test_the_running_watchdog_pings_on_its_own_and_falls_silent_when_a_thread_stops_beating(
    notify_socket: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", notify_socket.getsockname())
    monkeypatch.setenv("WATCHDOG_USEC", "100000")  # WatchdogSec=0.1 s: a ping every 50 ms
    heartbeats = Heartbeats(factor=3)
    stage = heartbeats.register("camera:cam-1", 0.05)
    watchdog = start_watchdog(Notifier(), heartbeats)
    assert watchdog is not None
    try:
        deadline = time.monotonic() + 0.4
        while time.monotonic() < deadline:  # the camera thread reads pictures
            stage.beat()
            time.sleep(0.01)
        assert received(notify_socket).count("WATCHDOG=1") >= 4
        time.sleep(0.3)  # it stops beating: stale after 0.15 s
        received(notify_socket)
        time.sleep(0.3)
        assert received(notify_socket) == []
    finally:
        watchdog.stop()


def test_no_watchdog_without_watchdog_usec(notify_socket: socket.socket, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", notify_socket.getsockname())
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    assert start_watchdog(Notifier(), Heartbeats()) is None
