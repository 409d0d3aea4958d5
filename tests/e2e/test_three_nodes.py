"""Three `watchd run` nodes on the real PostgreSQL share eight cameras: each camera is watched by
exactly one node (its fake MJPEG server never has two clients), one node is killed with SIGKILL,
and within 30 s the other two watch its cameras; the dead cameras' incidents and their text
messages exist exactly once, before and after the takeover. Default lease timing (15 s + 5 s)."""

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

from tests.cli.test_daemon import ROOT, free_port, read_until, stop
from tests.e2e.test_sigkill_escalation import wait_for
from tests.e2e.township import alerting_township
from tests.fakes.mjpeg_server import MjpegServer
from tests.helpers import daemon_http
from tests.watchd.alerts.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.date_sensitive  # a real `watchd run` on the real clock

LIVE, DEAD = 6, 2
TAKEOVER_LIMIT_S = 30.0


def still_picture() -> npt.NDArray[np.uint8]:
    return np.full((120, 160), 90, dtype=np.uint8)


def config(port: int, cameras: list[tuple[str, str]], receiver: WebhookReceiver) -> str:
    devices = "".join(
        f'''
[[devices]]
id = "{cam}"
kind = "camera"
site = "shakeng"
source = "{url}"
offline_after_s = 3
max_keyframe_interval_s = 2
open_timeout_s = 2
reconnect_max_s = 2
analysis_fps = 2
'''
        for cam, url in cameras
    )
    return alerting_township(port, receiver, wait_minutes=60, tail=devices)


class Node:
    def __init__(self, name: str, path: Path, data: Path, database_url: str) -> None:
        self.name, self.path = name, path
        env = {
            **os.environ, "WATCHD_DATA_DIR": str(data), "WATCHD_DATABASE_URL": database_url,
            "WATCHD_NODE_NAME": name, "PYTHONUNBUFFERED": "1",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cli", "--config", str(path), "run"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        self.port = int(re.search(r"port = (\d+)", path.read_text(encoding="utf-8")).group(1))  # type: ignore[union-attr]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def servers() -> Iterator[list[MjpegServer]]:
    started = [MjpegServer(still_picture, fps=4).start() for _ in range(LIVE)]
    yield started
    for server in started:
        server.stop()


def holders(node: Node, auth: dict[str, str]) -> dict[str, str | None]:
    body: dict[str, Any] = daemon_http.get(f"{node.base}/api/cluster", headers=auth, timeout=5).json()
    alive = {n["node_id"]: n["name"] for n in body["nodes"] if n["alive"]}
    return {lease["item"]: alive.get(lease["node_id"]) if lease["held"] else None for lease in body["leases"]}


def test_three_nodes_share_the_cameras_and_a_killed_nodes_cameras_move_within_30_s(
    tmp_path: Path, pg_database_url: str, servers: list[MjpegServer],
) -> None:
    cameras = [(f"cam-live-{i}", s.url) for i, s in enumerate(servers)]
    cameras += [(f"cam-dead-{i}", f"http://127.0.0.1:{free_port()}/video") for i in range(DEAD)]
    live_server = {cam: servers[i] for i, (cam, _) in enumerate(cameras[:LIVE])}
    nodes: list[Node] = []
    with WebhookReceiver() as receiver:
        try:
            for i, name in enumerate(["n1", "n2", "n3"]):
                path = tmp_path / f"{name}.toml"
                path.write_text(config(free_port(), cameras, receiver), encoding="utf-8")
                nodes.append(Node(name, path, tmp_path / f"data-{name}", pg_database_url))
                if i == 0:  # the first node creates the admin; the others find it
                    out = "".join(read_until(nodes[0].proc, r"watchd serving on"))
            for node in nodes[1:]:
                read_until(node.proc, r"watchd serving on")
            password = re.search(r"password\s+: (\S+)", out)
            assert password, out
            token = daemon_http.post(f"{nodes[0].base}/api/auth/login",
                               json={"username": "admin", "password": password.group(1)}).json()["token"]
            auth = {"Authorization": f"Bearer {token}"}

            # Balanced: every camera held, three each at most, and each live camera has one client.
            def balanced() -> bool:
                held = holders(nodes[0], auth)
                cams = {c: n for c, n in held.items() if c.startswith("cam-")}
                per_node = [list(cams.values()).count(n.name) for n in nodes]
                return None not in cams.values() and len(cams) == LIVE + DEAD and max(per_node) <= 3 and all(
                    s.open_streams == 1 for s in servers
                )

            wait_for(balanced, 60, "the cameras spread over the three nodes")
            # Each dead camera raised one incident and the leader got one text for each.
            wait_for(lambda: len(receiver.accepted) == DEAD, 30, "one message per dead camera")

            held = holders(nodes[0], auth)
            victim = next(n for n in nodes if n.name == held["cam-dead-0"])
            survivor = next(n for n in nodes if n is not victim)
            moved = sorted(c for c, n in held.items() if n == victim.name)
            victim.proc.send_signal(signal.SIGKILL)
            victim.proc.wait(timeout=10)
            killed = time.monotonic()

            def taken_over() -> bool:
                now = holders(survivor, auth)
                return all(now.get(c) not in (None, victim.name) for c in moved) and all(
                    live_server[c].open_streams == 1 for c in moved if c in live_server
                )

            wait_for(taken_over, TAKEOVER_LIMIT_S, f"{moved} taken over by the other nodes")
            took = time.monotonic() - killed
            print(f"takeover of {len(moved)} items after SIGKILL: {took:.1f} s")  # noqa: T201
            assert took < TAKEOVER_LIMIT_S

            # The new holder of cam-dead-0 finds it still dead: the same incident, no new message.
            time.sleep(8)  # offline_after_s + open_timeout_s + a margin
            incidents = daemon_http.get(f"{survivor.base}/api/incidents", headers=auth, params={"status": "open"}).json()
            offline = [i for i in incidents if i["kind"] == "camera_offline"]
            assert sorted(i["subject"] for i in offline) == [f"cam-dead-{i}" for i in range(DEAD)]
            assert len(receiver.accepted) == DEAD and not receiver.repeats
            assert all(s.max_open_streams == 1 for s in servers), "a camera was watched by two nodes at once"
            # The camera list, read from any node, says who watches each camera: never the dead node.
            listed = daemon_http.get(f"{survivor.base}/api/cameras", headers=auth).json()
            assert len(listed) == LIVE + DEAD
            assert {c["node"] for c in listed} <= {n.name for n in nodes if n is not victim}
        finally:
            for node in nodes:
                if node.proc.poll() is None:
                    stop(node.proc)
