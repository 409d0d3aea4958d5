"""The notify protocol against a real AF_UNIX datagram socket."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from watchd.systemd import Notifier


def test_ready_and_stopping_reach_the_socket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(path)
        server.settimeout(2)
        monkeypatch.setenv("NOTIFY_SOCKET", path)
        notifier = Notifier()
        assert "NOTIFY_SOCKET" not in os.environ  # not inherited by child processes
        assert notifier.ready("serving")
        assert server.recv(4096).decode().split("\n") == ["READY=1", "STATUS=serving"]
        assert notifier.stopping()
        assert server.recv(4096).decode().startswith("STOPPING=1")


def test_outside_systemd_nothing_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    notifier = Notifier()
    assert not notifier.enabled and not notifier.ready("x")


def test_a_vanished_socket_is_reported_not_raised(tmp_path: Path) -> None:
    assert Notifier(str(tmp_path / "gone.sock")).ready("x") is False
