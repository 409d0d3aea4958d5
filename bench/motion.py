"""Camera watch figures on one core (JSON): decode vs decode+analysis, idle vs full, onset latency, capacity.

    taskset -c 0 .venv/bin/python bench/motion.py [VIDEO_DIR]

`substreams`: cameras per core for 640x360 H.264 substreams with a keyframe every 1 s and 2 s, made from
real footage (vtest.avi) in a temporary folder. Idle = a quiet camera: keyframes only, one per
IDLE_LOOK_S (2 s) at most decoded and analysed; full = every picture decoded and 5 analysed a second
(motion in view). Targets: 300 idle, 60 full (with classification: bench/classify.py).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from fractions import Fraction
from pathlib import Path

import av
import cv2

from devices.registry import IDLE_LOOK_S, CameraConfig, open_video_stream
from watchd.pipeline.camera_watch.loop import CameraLoop, LoopEvent
from watchd.vision.motion.detector import MotionDetector, MotionParams
from watchd.vision.tamper import TamperCheck, TamperParams

VIDEO_DIR = (
    Path(sys.argv[1])
    if len(sys.argv) > 1
    else Path(__file__).resolve().parents[2] / "shared" / "data" / "video"
)
LEFT_ZONE = [[0, 0.25], [0.25, 0.25], [0.25, 0.6], [0, 0.6]]
ONSET_S = 18.4  # the first person steps into LEFT_ZONE (checked by eye, frame 184)


def cpu() -> float:
    return time.process_time()


def decode_only(path: Path, keyframes: bool = False) -> tuple[float, int, float]:
    """PyAV decode of every picture (or keyframes only) with the luma view; (cpu s, pictures, media s)."""
    cfg = CameraConfig(kind="camera", id="b", site="b", source=str(path))
    stream = open_video_stream(cfg, realtime=False)
    stream.set_keyframes_only(keyframes)
    t0, n, last = cpu(), 0, 0.0
    while (f := stream.read()) is not None:
        n, last = n + 1, f.pts_s
    took = cpu() - t0
    stream.close()
    return took, n, last


def opencv_decode(path: Path) -> tuple[float, int]:
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    t0, n = cpu(), 0
    while cap.grab():
        ok, _ = cap.retrieve()
        n += ok
    return cpu() - t0, n


def watch(path: Path, adaptive: bool) -> dict[str, float]:
    """The daemon's loop; onset latency simulated for a live camera (pictures arrive at their media time)."""
    cfg = CameraConfig(
        kind="camera",
        id="b",
        site="b",
        source=str(path),
        adaptive=adaptive,
        zones=[{"name": "z", "points": LEFT_ZONE}],
    )
    events: list[tuple[LoopEvent, float]] = []
    virtual = {"t": 0.0}
    from datetime import UTC, datetime

    loop = CameraLoop(
        cfg,
        emit=lambda e: events.append((e, virtual["t"])),
        clock=lambda: datetime.now(UTC),
        media_dir=None,
        clips=False,
    )
    stream = open_video_stream(cfg, realtime=False)

    class Timed:  # virtual wall clock: a picture is processed at max(arrival, previous end) + its CPU
        def __getattr__(self, name: str) -> object:
            return getattr(stream, name)

        def read(self):  # type: ignore[no-untyped-def]
            c = cpu()
            f = stream.read()
            if f is not None:
                virtual["t"] = max(virtual["t"], f.pts_s) + (cpu() - c)
            return f

    t0 = cpu()
    loop.run(Timed(), threading.Event())  # type: ignore[arg-type]
    took = cpu() - t0
    first = next((wall for e, wall in events if e.kind == "motion" and e.phase == "start"), None)
    stats = stream.stats()
    stream.close()
    return {
        "cpu_s": round(took, 3),
        "decoded": int(str(stats["decoded"])),
        "analysed": loop.counters.analysed,
        "onset_latency_s": round(first - ONSET_S, 2) if first is not None else -1.0,
    }


def substream(source: Path, out: Path, gop_s: float) -> None:
    """Real footage re-encoded as a camera's 640x360 H.264 substream with a keyframe every `gop_s`."""
    with av.open(str(source)) as src, av.open(str(out), "w") as dst:
        vin = src.streams.video[0]
        fps = Fraction(vin.average_rate or 10).limit_denominator(1001)
        vout = dst.add_stream("libx264", rate=fps)
        vout.width, vout.height, vout.pix_fmt = 640, 360, "yuv420p"
        gop = str(max(1, round(gop_s * fps)))
        vout.options = {
            "g": gop,
            "keyint_min": gop,
            "sc_threshold": "0",
            "bf": "0",
            "preset": "veryfast",
            "crf": "23",
            "threads": "1",
        }
        for n, frame in enumerate(src.decode(vin)):
            picture = frame.reformat(width=640, height=360, format="yuv420p")
            picture.pts, picture.time_base = n, 1 / fps
            dst.mux(vout.encode(picture))
        dst.mux(vout.encode(None))


def idle_cost(path: Path) -> tuple[float, int, float]:
    """A quiet camera as the loop idles: keyframes only, one per IDLE_LOOK_S decoded and analysed (motion, tamper)."""
    cfg = CameraConfig(kind="camera", id="b", site="b", source=str(path))
    stream = open_video_stream(cfg, realtime=False)
    stream.set_keyframes_only(True)
    detector, tamper, n, last = None, TamperCheck(TamperParams()), 0, 0.0
    t0 = cpu()
    while (f := stream.read()) is not None:
        if detector is None:
            detector = MotionDetector(f.luma.shape, [], [], MotionParams())
        detector.learn(detector.measure(f.luma, f.pts_s))
        tamper.update(f.pts_s, f.luma)
        n, last = n + 1, f.pts_s
    took = cpu() - t0
    stream.close()
    return took, n, last


def keyframe_decode_ms(path: Path, options: dict[str, str]) -> float:
    """CPU ms to decode one keyframe alone (as while idle) with these FFmpeg decoder options."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        ctx = stream.codec_context
        ctx.thread_count, ctx.options, ctx.skip_frame = 1, options, "NONKEY"
        keys = [p for p in container.demux(stream) if p.is_keyframe and p.size]
        t0 = cpu()
        for packet in keys:
            [*ctx.decode(packet), *ctx.decode(None)]
            ctx.flush_buffers()
        return round((cpu() - t0) / len(keys) * 1000, 2)


def substreams(video_dir: Path) -> dict[str, object]:
    source = video_dir / "vtest.avi"
    if not source.exists():
        return {"skipped": f"{source} absent"}
    out: dict[str, object] = {
        "source": "vtest.avi (real footage) re-encoded to 640x360 H.264",
        "analysis": "320x180",
    }
    with tempfile.TemporaryDirectory(prefix="watchd-bench-") as tmp:
        for gop in (1.0, 2.0):
            path = Path(tmp) / f"sub_640x360_gop{gop:g}s.mp4"
            substream(source, path, gop)
            idle_cpu, keys, media = idle_cost(path)
            full = watch(path, adaptive=False)
            out[f"gop_{gop:g}s"] = {
                "media_s": round(media, 1),
                "idle_look_s": IDLE_LOOK_S,
                "keyframes_decoded_idle": keys,
                "keyframe_decode_ms": keyframe_decode_ms(path, {}),
                "keyframe_decode_ms_skip_loop_filter": keyframe_decode_ms(path, {"skip_loop_filter": "all"}),
                "idle_cpu_s": round(idle_cpu, 3),
                "full_cpu_s": full["cpu_s"],
                "full_analysed": full["analysed"],
                "cameras_per_core_idle": int(media / idle_cpu),
                "cameras_per_core_full": int(media / full["cpu_s"]),
            }
    return out


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    cv2.setNumThreads(1)
    out: dict[str, object] = {"pyav": av.__version__, "opencv": cv2.__version__}
    for name in ("vtest_1080p_h264_gop2s.mp4", "vtest_h264_gop2s.mp4"):
        path = VIDEO_DIR / name
        if not path.exists():
            continue
        full_cpu, n, media = decode_only(path)
        key_cpu, kn, _ = decode_only(path, keyframes=True)
        cv_cpu, cn = opencv_decode(path)
        w_full = watch(path, adaptive=False)
        w_idle = watch(path, adaptive=True)
        per_frame_decode = full_cpu / n * 1000
        per_frame_watch = w_full["cpu_s"] / n * 1000
        analysis_ms = (w_full["cpu_s"] - full_cpu) / max(1, w_full["analysed"]) * 1000
        out[name] = {
            "pictures": n,
            "media_s": round(media, 1),
            "decode_only_ms_per_frame_pyav_luma": round(per_frame_decode, 2),
            "decode_only_ms_per_frame_opencv_bgr": round(cv_cpu / cn * 1000, 2),
            "decode_plus_analysis_ms_per_frame": round(per_frame_watch, 2),
            "analysis_ms_per_analysed_picture": round(analysis_ms, 2),
            "analysis_overhead_pct": round((per_frame_watch / per_frame_decode - 1) * 100, 1),
            "keyframes_only_decode_cpu_s": round(key_cpu, 3),
            "keyframes_decoded": kn,
            "full_decode_cpu_s_per_camera_hour": round(full_cpu / media * 3600, 1),
            "idle_cpu_s_per_camera_hour": round(key_cpu / media * 3600, 1),
            "idle_saving_x": round(full_cpu / key_cpu, 1),
            "watch_full": w_full,
            "watch_adaptive_from_idle": w_idle,
            "cameras_per_core_full": int(media / w_full["cpu_s"]),
            "cameras_per_core_idle": int(media / key_cpu),
        }
    out["substreams"] = substreams(VIDEO_DIR)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
