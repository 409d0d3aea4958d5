"""Score watchd and the plain baseline on the labelled footage set, per alert (docs/footage.md).

    .venv/bin/python bench/footage_score.py [FOOTAGE_DIR] [--clip NAME ...] [--detector oidv4] [--json-only]

FOOTAGE_DIR defaults to $WATCHD_FOOTAGE or ~/.cache/watchd-footage (built by bench/footage_fetch.py).
Prints a table (per clip and in total: intrusions, caught, missed, false alerts, false-alarm
seconds, for both detectors) and then the same as JSON. Exits 0 with a message when the
footage is absent.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

from footage.detectors import Run, run_baseline, run_watchd
from footage.labels import ClipLabels
from footage.scoring import Score, score_clip
from footage_fetch import default_dest

from watchd.pipeline.camera_watch.detector_pool import DetectorPool
from watchd.settings.cameras import ClassifySettings

DETECTORS = ("watchd", "baseline")
COLUMNS = ("intrusions", "caught", "missed", "false_alerts", "false_alarm_s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Per-alert benchmark on the labelled footage set.")
    parser.add_argument("footage", nargs="?", type=Path, default=default_dest())
    parser.add_argument("--clip", action="append", default=[], help="only this clip (repeatable)")
    parser.add_argument(
        "--detector", default="none", help="watchd with this object detector (docs/detectors.md)"
    )
    parser.add_argument("--json-only", action="store_true")
    args = parser.parse_args(argv)
    pool = DetectorPool(ClassifySettings(detector=args.detector)) if args.detector != "none" else None
    if pool is not None and pool.error:
        print(f"error: --detector {args.detector}: {pool.error}", file=sys.stderr)
        return 1
    files = sorted(args.footage.glob("*.labels.json")) if args.footage.is_dir() else []
    if args.clip:
        files = [f for f in files if f.name.removesuffix(".labels.json") in args.clip]
    if not files:
        print(
            f"footage absent: no clips in {args.footage}; build them with bench/footage_fetch.py "
            "(docs/footage.md). Nothing scored."
        )
        return 0
    clips: dict[str, dict[str, object]] = {}
    totals = {name: Score() for name in DETECTORS}
    for path in files:
        labels = ClipLabels.load(path)
        video = path.parent / labels.video
        if not video.is_file():
            print(
                f"error: {path}: its video {video} is missing; rebuild with bench/footage_fetch.py",
                file=sys.stderr,
            )
            return 1
        entry: dict[str, object] = {
            "scenario": list(labels.scenario),
            "scored_s": round(labels.scored_to_s - labels.scored_from_s, 1),
        }
        for name, runner in (("watchd", lambda v: run_watchd(v, pool)), ("baseline", run_baseline)):
            t0 = time.process_time()
            run: Run = runner(video)
            result = score_clip(run.alerts, labels)
            totals[name].add(result)
            entry[name] = {
                **asdict(result),
                "alerts": len(run.alerts),
                "tamper_events": run.tamper,
                "cpu_s": round(time.process_time() - t0, 2),
            }
        clips[labels.clip] = entry
    report = {
        "detector": args.detector,
        "clips": clips,
        "total": {
            name: {k: getattr(totals[name], k) for k in (*COLUMNS, "false_empty", "false_late")}
            for name in DETECTORS
        },
    }
    if not args.json_only:
        print(table(clips, totals))
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


def table(clips: dict[str, dict[str, object]], totals: dict[str, Score]) -> str:
    """One row per clip and detector. `false` splits into `empty` (raised while nothing was there: the issue's
    false alert) and `late` (raised while something was there, but not within 2.5 s of an entry: a repeat or a
    late alert), so both readings of "false" can be taken from the table."""
    head = (
        f"{'clip':<24} {'detector':<9} {'intrusions':>10} {'caught':>6} {'missed':>6} {'false':>5} "
        f"{'empty':>5} {'late':>4} {'false s':>8}"
    )
    lines = [head, "-" * len(head)]

    def row(clip: str, name: str, s: dict[str, object]) -> str:
        return (
            f"{clip:<24} {name:<9} {s['intrusions']:>10} {s['caught']:>6} {s['missed']:>6} "
            f"{s['false_alerts']:>5} {s['false_empty']:>5} {s['false_late']:>4} "
            f"{float(str(s['false_alarm_s'])):>8.1f}"
        )

    for clip, entry in clips.items():
        for name in DETECTORS:
            result = entry[name]
            assert isinstance(result, dict)
            lines.append(row(clip, name, result))
    lines.append("-" * len(head))
    for name in DETECTORS:
        lines.append(row("TOTAL", name, asdict(totals[name])))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
