"""A real RTSP server (GStreamer, tests/fakes/rtsp_server.py) on a free loopback port."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.mqtt_broker import free_port
from tests.helpers.waits import wait_for
from tests.integration import need, port_open

SERVER = Path(__file__).resolve().parents[2] / "fakes" / "rtsp_server.py"
SYSTEM_PYTHON = "/usr/bin/python3"


def gstreamer_ok() -> bool:
    if not shutil.which("gst-launch-1.0") or not Path(SYSTEM_PYTHON).exists():
        return False
    probe = "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"
    return subprocess.run([SYSTEM_PYTHON, "-c", probe], capture_output=True, timeout=30).returncode == 0


class RtspServer:
    def __init__(
        self, video: Path, user: str | None = None, password: str | None = None, keyint: int = 10, codec: str = "h264",
        size: str = "384x288",
    ) -> None:
        self.port = free_port()
        # keyint: pictures between two keyframes
        self.env = {**os.environ, "RTSP_KEYINT": str(keyint), "RTSP_CODEC": codec, "RTSP_SIZE": size}
        self.args = [SYSTEM_PYTHON, str(SERVER), str(self.port), str(video)] + ([user, password] if user and password else [])
        self.proc: subprocess.Popen[bytes] | None = None

    def url(self, user: str | None = None) -> str:
        return f"rtsp://{user + '@' if user else ''}127.0.0.1:{self.port}/cam"

    def start(self) -> None:
        self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=self.env)
        proc = self.proc
        wait_for(lambda: proc.poll() is not None or port_open("127.0.0.1", self.port), 15, "the RTSP server to start")
        assert proc.poll() is None, "RTSP server exited"

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture
def rtsp_server_factory() -> Iterator[type[RtspServer] | object]:
    need(sys.platform.startswith("linux") and gstreamer_ok(), "GStreamer RTSP server (gir1.2-gst-rtsp-server-1.0) missing")
    started: list[RtspServer] = []

    def factory(
        video: Path, user: str | None = None, password: str | None = None, keyint: int = 10, codec: str = "h264",
        size: str = "384x288",
    ) -> RtspServer:
        server = RtspServer(video, user, password, keyint, codec, size)
        server.start()
        started.append(server)
        return server

    yield factory
    for server in started:
        server.kill()
