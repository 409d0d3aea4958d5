"""`watchd motion VIDEO`: events as JSON lines and a summary, clear errors for bad zones and files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.datasets import require_shared_data

ROOT = Path(__file__).resolve().parents[2]


def motion(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", "motion", *args], cwd=cwd, capture_output=True, text=True, timeout=240,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


def test_people_walking_through_a_zone_give_events_with_snapshots(tmp_path: Path) -> None:
    video = require_shared_data("video", "vtest_h264_gop2s.mp4")
    out = tmp_path / "snaps"
    r = motion(str(video), "--zone", "0,0.3 1,0.3 1,1 0,1", "--out", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    events, summary = lines[:-1], lines[-1]
    assert events, "people walk through the lower part of vtest all along"
    for e in events:
        assert e["end"] >= e["start"] >= 0 and e["zones"] == ["zone1"]
        assert Path(e["snapshot"]).is_file() and Path(e["snapshot"]).read_bytes()[:2] == b"\xff\xd8"
    # Adaptive decoding re-decodes the buffered pictures at an onset, so `decoded` may exceed `frames`.
    assert summary["frames"] > 700 and summary["decoded"] > 0 and summary["cpu_s"] > 0
    assert summary["events"] == len(events)


def test_bad_zone_and_bad_file_are_clear_errors(tmp_path: Path) -> None:
    notvideo = tmp_path / "notes.mp4"
    notvideo.write_text("not a video")
    bowtie = motion(str(notvideo), "--zone", "0,0 1,1 1,0 0,0.6", cwd=tmp_path)
    assert bowtie.returncode == 2 and "--zone 1:" in bowtie.stderr and "intersect" in bowtie.stderr
    outside = motion(str(notvideo), "--zone", "0,0 1.5,0 1,1", cwd=tmp_path)
    assert outside.returncode == 2 and "--zone 1:" in outside.stderr
    garbage = motion(str(notvideo), cwd=tmp_path)
    assert garbage.returncode == 1 and "error:" in garbage.stderr and "Traceback" not in garbage.stderr


def test_snapshots_are_written_only_when_asked_for(tmp_path: Path) -> None:
    video = require_shared_data("video", "vtest_h264_gop2s.mp4")
    r = motion(str(video), "--zone", "0,0.3 1,0.3 1,1 0,1", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    *events, _summary = [json.loads(x) for x in r.stdout.splitlines()]
    assert events and all(e["snapshot"] is None for e in events)
    assert list(tmp_path.iterdir()) == []  # nothing written where the command was run
