"""`watchd enroll` and `watchd identify` on real photos."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main
from tests.faces import BIDEN_PROBE, OBAMA_PROBE, OBAMA_TRAIN, TWO_PEOPLE, photo

CONFIG = """
[[sites]]
id = "bayan"
name = "巴音嘎查"
kind = "village"
[[people]]
id = "c001"
name = "其其格"
villages = ["bayan"]
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "watchd.toml"
    path.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("WATCHD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("WATCHD_DATABASE_URL", raising=False)
    return path


def test_enroll_then_identify(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config), "enroll", "c001", str(photo(OBAMA_TRAIN))]) == 0
    assert "1 face templates stored" in capsys.readouterr().out
    assert main(["--config", str(config), "identify", str(photo(OBAMA_PROBE)), str(photo(BIDEN_PROBE))]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(x["photo"].rsplit("/", 1)[1], x["faces"], x["person_id"]) for x in lines] == [
        ("obama1.jpg", 1, "c001"),
        ("biden2.jpg", 1, None),
    ]
    assert lines[0]["distance"] < 0.5 and lines[0]["second_distance"] is None


def test_enroll_refuses_bad_photos_with_reasons(config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    code = main(["--config", str(config), "enroll", "c001", str(photo(TWO_PEOPLE)), str(empty), str(tmp_path / "missing.jpg")])
    assert code == 1
    err = capsys.readouterr().err
    assert "two_people.jpg: refused: several_faces" in err
    assert "empty.jpg: refused: empty" in err
    assert "missing.jpg: refused" in err


def test_enroll_creates_a_new_person_only_with_a_name(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config), "enroll", "c777", str(photo(OBAMA_TRAIN))]) == 1
    assert "person_not_found" in capsys.readouterr().err
    assert main(["--config", str(config), "enroll", "c777", str(photo(OBAMA_TRAIN)), "--name", "新干部"]) == 0


def test_identify_reports_unreadable_files(config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.jpg"
    junk.write_text("not an image")
    assert main(["--config", str(config), "identify", str(junk)]) == 1
    line = json.loads(capsys.readouterr().out)
    assert line["faces"] == 0 and line["person_id"] is None and "error" in line
