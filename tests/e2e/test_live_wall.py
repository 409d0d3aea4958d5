"""The duty-room wall plays cameras live, in headless Chromium, from a real daemon watching real RTSP cameras.

`watchd run` (the console script) watches three GStreamer RTSP cameras: one with people walking
(motion, so its tile turns live by itself), one looking at a still scene (its tile stays a still
until the officer pins it), one sending H.265 (browsers here cannot play it: the tile stays a still
and says how to fix the camera). The live tile plays (currentTime advances, pictures decode, less
than a second behind), reconnects after its camera's server restarts, and falls back to the still
when the camera is gone; a hidden page stops streaming. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser import launch_chromium, start_playwright
from tests.datasets import require_shared_data
from tests.devices.camera.conftest import RtspServer, gstreamer_ok
from tests.fakes.mqtt_broker import free_port
from tests.helpers import daemon_http
from tests.integration import need

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.date_sensitive]

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "live-wall"
WATCHD = Path(sys.executable).parent / "watchd"
HEVC_FIX = "实时画面为 H.265 编码"


def still_scene(tmp_path: Path) -> Path:
    """Two minutes of an unchanging picture (a quiet camera), as a file the RTSP server loops (the fake
    server's loop of a file of a few seconds ends the stream for its clients)."""
    need(shutil.which("ffmpeg") is not None, "ffmpeg missing")
    path = tmp_path / "still.avi"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "smptebars=size=384x288:rate=10",
            "-t",
            "120",
            "-c:v",
            "mjpeg",
            "-q:v",
            "8",
            str(path),
        ],
        check=True,
        timeout=60,
    )
    return path


def config(port: int, cameras: dict[str, RtspServer]) -> str:
    devices = "".join(
        f'[[devices]]\nid = "{cid}"\nkind = "camera"\nsite = "pit"\nname = "{cid}"\nsource = "{server.url()}"\n'
        f"offline_after_s = 4\nmax_keyframe_interval_s = 2\nreconnect_max_s = 2\n"
        for cid, server in cameras.items()
    )
    return f"""township = "测试苏木"
[server]
port = {port}
[[sites]]
id = "pit"
name = "3号沙坑"
kind = "protected_site"
{devices}"""


class Daemon:
    def __init__(self, path: Path, data: Path, port: int) -> None:
        env = {**os.environ, "WATCHD_DATA_DIR": str(data), "PYTHONUNBUFFERED": "1"}
        env.pop("WATCHD_DATABASE_URL", None)
        self.port = port
        self.log = data.parent / "daemon.log"
        self.proc = subprocess.Popen(
            [str(WATCHD), "--config", str(path), "run"],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            text=True,
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def password(self, timeout: float = 90) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()
            text = self.log.read_text()
            found = re.search(r"^\s*password\s+: (\S+)$", text, re.MULTILINE)
            if found and "watchd serving on" in text:
                return found.group(1)
            time.sleep(0.2)
        raise AssertionError(f"watchd did not serve:\n{self.log.read_text()}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def wall(tmp_path: Path) -> Iterator[tuple[Daemon, dict[str, RtspServer]]]:
    need(
        sys.platform.startswith("linux") and gstreamer_ok(),
        "GStreamer RTSP server (gir1.2-gst-rtsp-server-1.0) missing",
    )
    need(WATCHD.is_file(), f"{WATCHD} missing (make .venv/.installed)")
    people = require_shared_data("video", "vtest.avi")
    cameras = {
        "cam-people": RtspServer(people, keyint=10),
        "cam-quiet": RtspServer(still_scene(tmp_path), keyint=10),
        "cam-h265": RtspServer(people, keyint=10, codec="h265"),
    }
    for server in cameras.values():
        server.start()
    path = tmp_path / "watchd.toml"
    port = free_port()
    path.write_text(config(port, cameras), encoding="utf-8")
    daemon = Daemon(path, tmp_path / "data", port)
    try:
        yield daemon, cameras
    finally:
        daemon.stop()
        for server in cameras.values():
            server.kill()


def wait_for(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def tile(page: Page, camera: str) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate(
        """id => {
            const root = document.querySelector('.d-camera[data-camera="' + id + '"]');
            if (!root) { return {}; }
            const video = root.querySelector('video');
            const s = (WatchdWall.status()[id] || {});
            return {mode: root.dataset.live, note: root.querySelector('.d-live-note').textContent,
                    warning: root.querySelector('.d-camera-warning').textContent,
                    time: video.currentTime, width: video.videoWidth, decoded: video.getVideoPlaybackQuality ?
                    video.getVideoPlaybackQuality().totalVideoFrames : 0, lag: s.lag, stats: s.stats};
        }""",
        camera,
    )
    return found


def plays(page: Page, camera: str) -> bool:
    """The tile is live and its video advances (two readings 1 s apart)."""
    first = tile(page, camera)
    if first.get("mode") != "live":
        return False
    time.sleep(1.0)
    second = tile(page, camera)
    return second.get("mode") == "live" and second["time"] > first["time"] + 0.3 and second["width"] > 0


def viewers(daemon: Daemon, headers: dict[str, str], camera: str) -> int:
    cams = daemon_http.get(f"{daemon.base}/api/cameras", headers=headers, timeout=10).json()
    return int(next(c for c in cams if c["id"] == camera)["live"]["viewers"])


def test_the_wall_plays_live_reconnects_and_falls_back(wall: tuple[Daemon, dict[str, RtspServer]]) -> None:
    daemon, cameras = wall
    password = daemon.password()
    token = daemon_http.post(
        f"{daemon.base}/api/auth/login", json={"username": "admin", "password": password}
    ).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    SHOTS.mkdir(parents=True, exist_ok=True)
    playwright = start_playwright()
    browser = launch_chromium(playwright, ["--autoplay-policy=no-user-gesture-required"])
    try:
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{daemon.base}/dashboard")
        page.fill("#login-username", "admin")
        page.fill("#login-password", password)
        page.click("#login-submit")
        page.wait_for_selector('.d-camera[data-camera="cam-people"]', timeout=60_000)

        # People walking: motion opens an event, the tile turns live by itself and plays, near the live edge
        # (the player jumps ahead when more than 1.5 s behind; bench/live.py measures the latency itself).
        wait_for(lambda: plays(page, "cam-people"), 90, "the camera with people to play live")
        lags = []
        for _ in range(5):
            time.sleep(0.5)
            lags.append(tile(page, "cam-people")["lag"])
        assert max(lag for lag in lags if lag is not None) < 2.5, lags
        assert tile(page, "cam-people")["decoded"] > 10

        # A quiet camera stays a still (nothing streams) until the officer pins it.
        quiet = wait_for(lambda: tile(page, "cam-quiet") or None, 30, "the quiet tile")
        assert quiet["mode"] == "still" and viewers(daemon, headers, "cam-quiet") == 0
        page.click('.d-camera[data-camera="cam-quiet"] .d-pin')
        wait_for(lambda: plays(page, "cam-quiet"), 60, "the pinned quiet camera to play")
        assert viewers(daemon, headers, "cam-quiet") == 1

        # H.265: no live picture; the tile and the camera list say how to fix the camera.
        h265 = wait_for(
            lambda: HEVC_FIX in tile(page, "cam-h265").get("warning", "") and tile(page, "cam-h265"),
            60,
            "the H.265 warning on its tile",
        )
        assert h265["mode"] == "still"
        listed = daemon_http.get(f"{daemon.base}/api/cameras", headers=headers).json()
        assert HEVC_FIX in next(c for c in listed if c["id"] == "cam-h265")["warning"]
        page.screenshot(path=str(SHOTS / "1-live.png"))

        # The camera's server restarts: the tile falls back, then plays a new session by itself.
        cameras["cam-people"].kill()
        wait_for(
            lambda: tile(page, "cam-people")["mode"] != "live", 30, "the tile to notice its camera stopped"
        )
        cameras["cam-people"].start()
        wait_for(lambda: plays(page, "cam-people"), 90, "the tile to play again after the camera restarted")

        # The camera is gone: the tile shows the still and says why.
        cameras["cam-people"].kill()
        gone = wait_for(
            lambda: tile(page, "cam-people")["mode"] == "still" and tile(page, "cam-people"),
            60,
            "the tile to fall back to its still",
        )
        assert "离线" in gone["note"] or "中断" in gone["note"] or "未能播放" in gone["note"], gone
        page.screenshot(path=str(SHOTS / "2-fallback.png"))

        # A hidden page stops streaming (the server sees its viewers leave).
        page.evaluate("""() => {
            Object.defineProperty(document, 'hidden', {configurable: true, get: () => true});
            document.dispatchEvent(new Event('visibilitychange'));
        }""")
        wait_for(lambda: viewers(daemon, headers, "cam-quiet") == 0, 20, "the hidden page to stop streaming")
        assert not errors, errors
    finally:
        browser.close()
        playwright.stop()
