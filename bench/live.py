"""Live wall figures (JSON): CPU per watched camera for remuxing, and how far behind the browser plays.

    .venv/bin/python bench/live.py [VIDEO_DIR] [--no-browser]

1. Remux cost: the 640x360 and 1080p test streams (H.264, 15 fps, a keyframe a second, made from
   vtest.avi with ffmpeg in a temporary folder) are read packet by packet as the camera watch reads
   them and handed to the live tap, which remuxes them to fragmented MP4 for a live channel with one
   viewer (the fan-out included). Reported: CPU microseconds per picture for demuxing alone and for
   demuxing plus remuxing, and the share of one core one camera costs at 15 fps for the live view
   (the remux; the demux happens for the analysis anyway). Nothing is decoded on this path.
2. Browser latency: `watchd run` watches a GStreamer RTSP camera; headless Chromium plays its tile on
   /dashboard and samples how much video is buffered ahead of what it shows (buffered end minus
   currentTime), every 0.25 s for 15 s, plus the one picture the muxer holds back (0.1 s at 10 fps).
Targets (issue 16): no decode or encode on the live path; under 1 % of a core per camera; under 1 s
behind the camera.
"""

from __future__ import annotations

import asyncio
import functools
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import av

from devices.camera.clip import BufferedPacket
from devices.camera.live import LiveTap
from watchd.pipeline.camera_watch.live import LiveChannel

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
VIDEO_DIR = Path(ARGS[0]) if ARGS else Path(__file__).resolve().parents[2] / "shared" / "data" / "video"
FPS = 15


def make_stream(source: Path, out: Path, width: int, height: int) -> Path:
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-i",
            str(source),
            "-vf",
            f"scale={width}:{height}",
            "-r",
            str(FPS),
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-g",
            str(FPS),
            "-bf",
            "0",
            "-an",
            str(out),
        ],
        check=True,
        timeout=600,
    )
    return out


def packets_of(path: Path) -> tuple[Any, list[BufferedPacket]]:
    container = av.open(str(path))
    video = container.streams.video[0]
    out = []
    for i, packet in enumerate(container.demux(video)):
        if packet.size:
            pts = float(packet.pts * packet.time_base) if packet.pts is not None else i / FPS
            out.append(BufferedPacket(i, packet, pts, bool(packet.is_keyframe)))
    return container, out


def demux_cost(path: Path) -> tuple[float, int]:
    start = time.process_time()
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        count = sum(1 for p in container.demux(video) if p.size)
    return time.process_time() - start, count


def remux_cost(path: Path) -> dict[str, Any]:
    demux_s, count = demux_cost(path)
    loop = asyncio.new_event_loop()
    runner = threading.Thread(target=loop.run_forever, daemon=True)
    runner.start()
    channel = LiveChannel("bench")
    viewer = channel.subscribe(loop)
    viewer.queue = asyncio.Queue(maxsize=10**6)  # this bench measures the camera's side, not a slow viewer
    container, entries = packets_of(path)
    video = container.streams.video[0]
    tap = LiveTap(channel, "bench")
    start = time.process_time()
    for entry in entries:  # the file starts on a keyframe: the session starts there
        tap.feed(entry, video, video.codec_context.name, functools.partial(list, [entry]), arrival_time=False)
    remux_s = time.process_time() - start
    tap.stop()
    container.close()
    loop.call_soon_threadsafe(loop.stop)
    runner.join(timeout=5)
    remux_us = remux_s / count * 1e6
    return {
        "pictures": count,
        "fragments": channel.fragments,
        "demux_us_per_picture": round(demux_s / count * 1e6, 1),
        "remux_us_per_picture": round(remux_us, 1),
        "core_share_per_camera_at_15fps_pct": round(remux_us * FPS / 1e6 * 100, 3),
        "cameras_per_core_for_live_at_15fps": int(1e6 / (remux_us * FPS)),
    }


def browser_latency(video: Path) -> dict[str, Any] | str:
    """The tile's buffered lag in Chromium against `watchd run` and a GStreamer RTSP camera."""
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root))
    from tests.browser import launch_chromium, start_playwright
    from tests.devices.camera.conftest import RtspServer, gstreamer_ok
    from tests.e2e.test_live_wall import Daemon, config, plays, tile, wait_for
    from tests.fakes.mqtt_broker import free_port

    if not (gstreamer_ok() and Path("/usr/bin/chromium").exists()):
        return "skipped: needs the GStreamer RTSP server and /usr/bin/chromium"
    with tempfile.TemporaryDirectory() as tmp:
        camera = RtspServer(video, keyint=FPS)
        camera.start()
        port = free_port()
        cfg = Path(tmp) / "watchd.toml"
        cfg.write_text(config(port, {"cam": camera}), encoding="utf-8")
        daemon = Daemon(cfg, Path(tmp) / "data", port)
        playwright = start_playwright()
        browser = launch_chromium(playwright, ["--autoplay-policy=no-user-gesture-required"])
        try:
            password = daemon.password()
            page = browser.new_page()
            page.goto(f"{daemon.base}/dashboard")
            page.fill("#login-username", "admin")
            page.fill("#login-password", password)
            page.click("#login-submit")
            page.wait_for_selector('.d-camera[data-camera="cam"] .d-pin', state="attached", timeout=60_000)
            page.evaluate("() => localStorage.setItem('watchd.wall.pinned', JSON.stringify(['cam']))")
            page.reload()
            wait_for(lambda: plays(page, "cam"), 90, "the tile to play")
            lags = []
            for _ in range(60):
                lag = tile(page, "cam").get("lag")
                if lag is not None:
                    lags.append(float(lag))
                time.sleep(0.25)
            lags.sort()
            held_back = 1 / 10  # one picture of the RTSP camera (vtest.avi: 10 pictures a second)
            return {
                "samples": len(lags),
                "buffered_lag_median_s": round(statistics.median(lags), 3),
                "buffered_lag_p95_s": round(lags[int(len(lags) * 0.95) - 1], 3),
                "muxer_holds_back_s": round(held_back, 3),
                "behind_camera_p95_s": round(lags[int(len(lags) * 0.95) - 1] + held_back, 3),
            }
        finally:
            browser.close()
            playwright.stop()
            daemon.stop()
            camera.kill()


def main() -> None:
    if not shutil.which("ffmpeg") or not (VIDEO_DIR / "vtest.avi").exists():
        print(json.dumps({"skipped": f"needs ffmpeg and {VIDEO_DIR / 'vtest.avi'}"}))
        return
    with tempfile.TemporaryDirectory() as tmp:
        small = make_stream(VIDEO_DIR / "vtest.avi", Path(tmp) / "360p.mp4", 640, 360)
        large = make_stream(VIDEO_DIR / "vtest.avi", Path(tmp) / "1080p.mp4", 1920, 1080)
        result: dict[str, Any] = {"640x360_15fps": remux_cost(small), "1920x1080_15fps": remux_cost(large)}
        if "--no-browser" not in sys.argv:
            result["browser"] = browser_latency(VIDEO_DIR / "vtest.avi")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
