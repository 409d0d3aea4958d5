"""Normal runs of the real `watchd` command print no Python warnings (issue 12, item 9)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
WATCHD = Path(sys.executable).parent / "watchd"  # the console script pip installed, as a user runs it


def run_watchd(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHONWARNINGS", "WATCHD_"))}
    env["WATCHD_DATA_DIR"] = str(tmp_path / "data")
    return subprocess.run(
        [str(WATCHD), "--config", str(ROOT / "config" / "watchd.example.toml"), *args],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


def test_validate_config_prints_no_warning(tmp_path: Path) -> None:
    done = run_watchd(tmp_path, "validate-config")
    assert done.returncode == 0, done.stderr
    assert "OK (4 sites" in done.stdout
    assert "Warning" not in done.stderr, done.stderr


def test_identify_loads_the_face_models_without_a_pkg_resources_warning(tmp_path: Path) -> None:
    """face_recognition_models imports pkg_resources, whose import warns; the user must not see it."""
    photo = tmp_path / "empty-room.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 120, 140)).save(buf, format="JPEG")
    photo.write_bytes(buf.getvalue())
    done = run_watchd(tmp_path, "--log-level", "WARNING", "identify", str(photo))
    assert done.returncode == 0, done.stderr
    assert '"faces": 0' in done.stdout
    assert "Warning" not in done.stderr and "pkg_resources" not in done.stderr, done.stderr
