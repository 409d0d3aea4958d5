"""Two `watchd run` nodes on the real PostgreSQL publish to one private Mosquitto with their default
client ids: neither takes the other's session (PREFIX/status never flaps), a clean stop leaves
"offline" on the cameras the node watched until the other node takes them over, and a SIGKILL of
the last node leaves PREFIX/status "offline" through its last will (read by a late subscriber)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from tests.cli.test_daemon import ROOT, free_port
from tests.e2e.test_sigkill_escalation import wait_for
from tests.fakes.mjpeg_server import MjpegServer
from tests.fakes.mqtt_broker import PrivateMosquitto
from tests.helpers import daemon_http
from tests.helpers.mqtt_peer import Subscriber, retained
from tests.integration import need

pytestmark = pytest.mark.date_sensitive  # real `watchd run` nodes on the real clock

PREFIX = "farm"
USER, PASSWORD = "watchd", "broker-secret"
QUIET_WINDOW_S = 12.0  # the report saw 12 flips in 12 s with the old fixed client id


def config(port: int, broker: int, cameras: dict[str, str]) -> str:
    devices = "".join(
        f'[[devices]]\nid = "{cam}"\nkind = "camera"\nsite = "shakeng"\nsource = "{url}"\nanalysis_fps = 2\n'
        for cam, url in cameras.items()
    )
    return f"""township = "阿嘎如泰苏木"
[server]
port = {port}
[[sites]]
id = "shakeng"
name = "3号沙坑"
kind = "protected_site"
[camera_watch.mqtt]
enabled = true
port = {broker}
username = "{USER}"
password_env = "WATCHD_TEST_MQTT_PASSWORD"
topic_prefix = "{PREFIX}"
{devices}"""


class Node:
    def __init__(self, name: str, tmp: Path, text: str, database_url: str) -> None:
        self.name = name
        self.port = int(re.search(r"port = (\d+)", text).group(1))  # type: ignore[union-attr]
        path = tmp / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        self.log = tmp / f"{name}.log"
        env = {
            **os.environ,
            "WATCHD_DATA_DIR": str(tmp / f"data-{name}"),
            "WATCHD_DATABASE_URL": database_url,
            "WATCHD_NODE_NAME": name,
            "WATCHD_TEST_MQTT_PASSWORD": PASSWORD,
            "PYTHONUNBUFFERED": "1",
        }
        with self.log.open("w") as out:  # a file, not a pipe: nobody has to keep reading it
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "cli", "--config", str(path), "run"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def serving(self) -> str:
        wait_for(
            lambda: "watchd serving on" in self.output() or self.proc.poll() is not None,
            90,
            f"{self.name} up",
        )
        assert self.proc.poll() is None, self.output()
        return self.output()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[PrivateMosquitto]:
    need(PrivateMosquitto.available(), "mosquitto and mosquitto_passwd not installed")
    (tmp_path / "broker").mkdir()
    with PrivateMosquitto(tmp_path / "broker", username=USER, password=PASSWORD) as started:
        yield started


def holders(node: Node, auth: dict[str, str]) -> dict[str, str | None]:
    body: dict[str, Any] = daemon_http.get(
        f"http://127.0.0.1:{node.port}/api/cluster", headers=auth, timeout=5
    ).json()
    alive = {n["node_id"]: n["name"] for n in body["nodes"] if n["alive"]}
    return {lease["item"]: alive.get(lease["node_id"]) if lease["held"] else None for lease in body["leases"]}


def still_picture() -> npt.NDArray[np.uint8]:
    return np.full((120, 160), 90, dtype=np.uint8)


def test_two_nodes_share_the_broker_and_leave_the_truth_when_stopped_or_killed(
    tmp_path: Path,
    pg_database_url: str,
    broker: PrivateMosquitto,
) -> None:
    servers = [MjpegServer(still_picture, fps=4).start() for _ in range(2)]
    cameras = {f"cam-{i}": s.url for i, s in enumerate(servers)}
    status = f"{PREFIX}/status"
    nodes: list[Node] = []
    try:
        with Subscriber(broker.port, f"{PREFIX}/#", username=USER, password=PASSWORD) as peer:
            for name in ("n1", "n2"):
                nodes.append(Node(name, tmp_path, config(free_port(), broker.port, cameras), pg_database_url))
                out = nodes[-1].serving() if name == "n1" else ""
                if name == "n1":
                    first = re.search(r"password\s+: (\S+)", out)
                    assert first, out
            nodes[1].serving()
            login = {"username": "admin", "password": first.group(1)}
            token = daemon_http.post(f"http://127.0.0.1:{nodes[0].port}/api/auth/login", json=login).json()["token"]
            auth = {"Authorization": f"Bearer {token}"}
            n1, n2 = nodes
            wait_for(lambda: all(holders(n1, auth).get(c) for c in cameras), 60, "every camera watched")
            for cam in cameras:
                peer.wait_for(f"{PREFIX}/cameras/{cam}/status", "online", 30)

            # Both nodes connected: the status topic stays "online" (the fixed id "watchd" flipped it every second).
            quiet_from = time.monotonic()
            time.sleep(QUIET_WINDOW_S)
            flips = peer.seen(status, since=quiet_from)
            assert flips == [], f"{status} changed {len(flips)} times in {QUIET_WINDOW_S} s: {flips}"
            assert peer.last(status) == "online"
            assert "refused" not in n1.output() + n2.output()

            # A clean stop of n1: its camera goes "offline" (nobody watches it) until n2 takes it over.
            mine = next(
                c for c, n in holders(n1, auth).items() if n == "n1" and c in cameras
            )  # it took all first
            stopped = time.monotonic()
            n1.proc.send_signal(signal.SIGTERM)
            assert n1.proc.wait(timeout=30) == 0, n1.output()
            left = peer.wait_for(f"{PREFIX}/cameras/{mine}/status", "offline", 5, since=stopped)
            peer.wait_for(f"{PREFIX}/{mine}/motion", "OFF", 5, since=stopped)
            peer.wait_for(status, "offline", 5, since=stopped)  # n1's own last word ...
            peer.wait_for(status, "online", 5, since=stopped)  # ... and n2 says it is still here
            back = peer.wait_for(f"{PREFIX}/cameras/{mine}/status", "online", 60, since=stopped)
            assert back.at > left.at
            assert retained(broker.port, status, username=USER, password=PASSWORD) == "online"

            # SIGKILL of the last node: no clean stop, the broker publishes its will.
            killed = time.monotonic()
            n2.proc.send_signal(signal.SIGKILL)
            n2.proc.wait(timeout=10)
            peer.wait_for(status, "offline", 10, since=killed)
        assert retained(broker.port, status, username=USER, password=PASSWORD) == "offline"
    finally:
        for node in nodes:
            if node.proc.poll() is None:
                node.proc.kill()
                node.proc.wait(timeout=10)
        for server in servers:
            server.stop()
