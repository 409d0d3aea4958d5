"""`watchd motion VIDEO`: events as JSON lines and a summary, clear errors for bad zones and files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.datasets import require_shared_data
from tests.integration import need

ROOT = Path(__file__).resolve().parents[2]


def motion(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", "motion", *args], cwd=cwd, capture_output=True, text=True, timeout=240,
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
    *events, summary = [json.loads(x) for x in r.stdout.splitlines()]
    assert events and all(e["snapshot"] is None for e in events)
    assert list(tmp_path.iterdir()) == []  # nothing written where the command was run
    # A keyframe every 2 s: keyframe-only idling is safe, and nothing to warn about.
    assert summary["keyframe_interval_s"] == 2.0 and "warning" not in r.stderr


LAWN = "0,0.6 0.5,0.6 0.5,1 0,1"  # two people cross it from 52.8 s to 71.6 s, nobody before
FIX = "set the camera's I-frame interval to 2 s or less and turn off H.264+/H.265+ smart codec"


def test_a_keyframe_every_25_s_turns_idling_off_and_the_crossing_between_keyframes_is_found(tmp_path: Path) -> None:
    """vtest.avi has keyframes at 0, 25, 50 and 75 s: idling on keyframes saw nobody on the lawn."""
    r = motion(str(require_shared_data("video", "vtest.avi")), "--zone", LAWN, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    *events, summary = [json.loads(x) for x in r.stdout.splitlines()]
    assert [(e["start"], e["end"]) for e in events] == [(52.8, 71.6)]
    assert summary["keyframe_interval_s"] == 25.0 and summary["decoded"] == summary["frames"] == 795
    assert (
        "warning: keyframe interval 25.0 s is longer than 4 s: keyframe-only idling would be blind between "
        f"keyframes, so every picture is decoded; {FIX}"
    ) in r.stderr.splitlines()


def test_a_keyframe_interval_growing_while_idling_ends_the_idling(tmp_path: Path) -> None:
    """Keyframes every 2 s for 40 s, then none ('smart codec' on a still scene): the crossing at
    52.8 s comes while the camera idles on keyframes that no longer come."""
    need(shutil.which("ffmpeg") is not None, "ffmpeg missing")
    clip = tmp_path / "smart-codec.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(require_shared_data("video", "vtest.avi")), "-vf", "scale=384:288",
         "-c:v", "libx264", "-preset", "ultrafast", "-x264-params", "keyint=100000:min-keyint=100000:scenecut=0",
         "-force_key_frames", "expr:lt(t,41)*gte(t,n_forced*2)", str(clip)],
        check=True, timeout=120,
    )
    r = motion(str(clip), "--zone", LAWN, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    *events, summary = [json.loads(x) for x in r.stdout.splitlines()]
    assert [(e["start"], e["end"]) for e in events] == [(52.8, 71.6)]
    assert summary["decoded"] < summary["frames"]  # it did idle while keyframes came every 2 s
    assert summary["keyframe_interval_s"] > 38
    assert any(line.startswith("warning: keyframe interval") and FIX in line for line in r.stderr.splitlines())
