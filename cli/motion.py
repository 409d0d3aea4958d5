"""`watchd motion VIDEO`: the daemon's camera analysis over one file or stream, as JSON lines."""

from __future__ import annotations

import argparse
import json
import sys

from pydantic import ValidationError

from devices.geometry import parse_points
from devices.registry import CameraConfig


def _polygon(kind: str, index: int, text: str) -> dict[str, object]:
    try:
        points = parse_points(text)
    except ValueError as exc:
        raise ValueError(f"--{kind} {index + 1}: {exc}") from None
    return {"name": f"{kind}{index + 1}", "points": [list(p) for p in points]}


def build_config(args: argparse.Namespace) -> CameraConfig:
    """The command line as a camera configuration, validated exactly like the configuration file."""
    data = {
        "kind": "camera",
        "id": "cli",
        "site": "cli",
        "source": args.video,
        "zones": [_polygon("zone", i, z) for i, z in enumerate(args.zone)],
        "masks": [_polygon("mask", i, m) for i, m in enumerate(args.mask)],
        "min_area": args.min_area,
        "min_duration_s": args.min_duration,
        "analysis_fps": args.fps,
        "adaptive": not args.full,
    }
    return CameraConfig.model_validate(data)


def _problems(exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        if len(loc) >= 2 and loc[0] in ("zones", "masks") and loc[1].isdigit():
            where = f"--{loc[0][:-1]} {int(loc[1]) + 1}"
        else:
            where = {
                "min_area": "--min-area",
                "min_duration_s": "--min-duration",
                "analysis_fps": "--fps",
                "source": "VIDEO",
            }.get(loc[0] if loc else "", ".".join(loc))
        out.append(f"{where}: {str(err['msg']).removeprefix('Value error, ')}")
    return out


def run_motion(args: argparse.Namespace) -> int:
    from watchd.pipeline.camera_watch.detector_pool import DetectorPool
    from watchd.pipeline.camera_watch.replay import analyse_video
    from watchd.settings.cameras import ClassifySettings

    try:
        config = build_config(args)
    except ValueError as exc:
        problems = _problems(exc) if isinstance(exc, ValidationError) else [str(exc)]
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        detectors = DetectorPool(ClassifySettings(detector=args.detector))
    except ValidationError as exc:
        print(f"error: --detector: {str(exc.errors()[0]['msg']).removeprefix('Value error, ')}", file=sys.stderr)
        return 2
    if detectors.error:
        print(f"warning: detector {args.detector} unavailable: {detectors.error}", file=sys.stderr)
    try:
        report = analyse_video(
            config, out_dir=args.out, on_event=lambda line: print(json.dumps(line, ensure_ascii=False), flush=True),
            detectors=detectors,
        )
    except Exception as exc:  # DeviceError: unreadable, unreachable, refused
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if report.warning:
        print(f"warning: {report.warning}", file=sys.stderr)
    summary: dict[str, object] = {
        "frames": report.frames,
        "decoded": report.decoded,
        "analysed": report.analysed,
        "cpu_s": report.cpu_s,
        "events": len(report.events),
        "keyframe_interval_s": report.keyframe_interval_s,
    }
    if report.error:
        summary["error"] = report.error
    print(json.dumps(summary, ensure_ascii=False))
    if report.error:
        print(f"error: {report.error}", file=sys.stderr)
    return 1 if report.error else 0
