"""`watchd biometrics export|delete`: the same export and erasure as the API, from the command line."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from cli.main import main
from tests.cli.test_enroll_identify import config  # noqa: F401 - the fixture
from tests.faces import OBAMA_PROBE, OBAMA_TRAIN, photo


def test_export_then_delete(config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    assert main(["--config", str(config), "enroll", "c001", str(photo(OBAMA_TRAIN))]) == 0
    out = tmp_path / "out" / "c001.zip"
    assert main(["--config", str(config), "biometrics", "export", "c001", "--out", str(out)]) == 0
    assert "1 templates, 0 photos, 0 snapshots" in capsys.readouterr().out
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["person"]["id"] == "c001" and len(manifest["templates"][0]["encoding"]) == 128
    assert manifest["exported_by"] == "cli"

    assert main(["--config", str(config), "biometrics", "delete", "c001"]) == 0
    assert "erased 1 templates" in capsys.readouterr().out
    assert main(["--config", str(config), "identify", str(photo(OBAMA_PROBE))]) == 0
    assert json.loads(capsys.readouterr().out)["person_id"] is None  # no longer recognised


def test_unknown_person_is_a_clear_error(config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    assert main(["--config", str(config), "biometrics", "export", "nobody", "--out", str(tmp_path / "x.zip")]) == 1
    assert "person_not_found" in capsys.readouterr().err
    assert not (tmp_path / "x.zip").exists() and not (tmp_path / ".x.zip.tmp").exists()
