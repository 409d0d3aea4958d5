"""The footage scripts end to end: rebuild a clip from a local git snapshot, score watchd and the baseline
on it, skip when the footage is absent, and say what is missing when a source is not here."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import cv2
import footage_fetch
import footage_score
import numpy as np
import pytest
from footage.build import build_clip
from footage.labels import ClipLabels
from footage.sources import Clip, GitFrames

from tests.integration import need

FPS = 10.0
FRAMES = 120
ENTERS = 60  # frame number at which a person-sized block walks in


def _snapshot(root: Path) -> str:
    """A git repository holding a CDnet-style sequence: input/inNNNNNN.png and groundtruth/gtNNNNNN.png."""
    repo = root / "owner+clip" / "repo"
    (repo / "seq" / "input").mkdir(parents=True)
    (repo / "seq" / "groundtruth").mkdir()
    rng = np.random.default_rng(7)
    scene = cv2.GaussianBlur(rng.integers(60, 190, (240, 320, 3), dtype=np.uint8), (9, 9), 0)
    for n in range(1, FRAMES + 1):
        picture = scene.copy()
        gt = np.zeros((240, 320), dtype=np.uint8)
        if n >= ENTERS:
            x = 300 - 4 * (n - ENTERS)
            picture[100:180, max(0, x) : x + 30] = (20, 20, 230)
            gt[100:180, max(0, x) : x + 30] = 255
        cv2.imwrite(str(repo / "seq" / "input" / f"in{n:06d}.png"), picture)
        cv2.imwrite(str(repo / "seq" / "groundtruth" / f"gt{n:06d}.png"), gt)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "sequence"], check=True)
    return subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()


def _clip(commit: str) -> Clip:
    return Clip(
        name="synthetic", title="a block walks in", scenario=("person entering",), fps=FPS, fps_note="test",
        origin="made by the test", licence="none", what="person",
        source=GitFrames(repo="owner/clip", commit=commit, folder="seq", frames="seq/input/in{n:06d}.png", first=1,
                         last=FRAMES, groundtruth="seq/groundtruth/gt{n:06d}.png", labelled=(1, FRAMES)),
    )


def test_a_clip_rebuilt_from_a_snapshot_is_scored_for_watchd_and_the_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    need(subprocess.run(["git", "--version"], capture_output=True).returncode == 0, "git is not installed")
    commit = _snapshot(tmp_path / "mirror")
    dest = tmp_path / "footage"

    labels = build_clip(_clip(commit), dest, mirror=tmp_path / "mirror", shared=None)

    assert [(i.start_s, i.what) for i in labels.intrusions] == [((ENTERS - 1) / FPS, "person")]
    assert ClipLabels.load(dest / "synthetic.labels.json") == labels
    assert (dest / "synthetic.mp4").stat().st_size > 0

    assert footage_score.main([str(dest), "--json-only"]) == 0
    report = json.loads(capsys.readouterr().out)
    for detector in ("watchd", "baseline"):
        result = report["clips"]["synthetic"][detector]
        assert (result["intrusions"], result["caught"], result["false_alerts"]) == (1, 1, 0), detector
        assert 0 < result["latencies_s"][0] <= 2.5
    assert report["total"]["watchd"]["caught"] == 1


def test_the_benchmark_skips_cleanly_when_the_footage_is_absent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert footage_score.main([str(tmp_path / "nowhere")]) == 0

    assert "footage absent" in capsys.readouterr().out


def test_fetch_says_which_snapshot_is_missing_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = footage_fetch.main(["--dest", str(tmp_path / "set"), "--mirror", str(tmp_path / "none"),
                               "--clip", "cdnet-highway"])

    assert code == 1
    err = capsys.readouterr().err
    assert "cdnet-highway: NOT BUILT" in err
    assert "github:ZZZZZZZJJHHH/FrameDifference" in err
    assert "cdnet-highway (absent)" in (tmp_path / "set" / "SOURCES.md").read_text(encoding="utf-8")
