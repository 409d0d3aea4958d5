"""The configuration file: the example is valid, and every mistake is reported with its key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main
from watchd.settings import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "config" / "watchd.example.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "watchd.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    return info.value.problems


def test_example_config_is_valid_and_names_the_demo_site() -> None:
    loaded = load_settings(EXAMPLE)
    assert {s.kind for s in loaded.settings.sites} >= {"village", "office", "duty_room"}
    assert loaded.settings.timezone == "Asia/Shanghai"
    assert loaded.database_url.startswith("sqlite:///")


def test_data_dir_is_relative_to_the_file_and_env_overrides_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, 'data_dir = "state"\n')
    monkeypatch.delenv("WATCHD_DATA_DIR", raising=False)
    monkeypatch.delenv("WATCHD_DATABASE_URL", raising=False)
    assert load_settings(path).data_dir == tmp_path / "state"
    monkeypatch.setenv("WATCHD_DATA_DIR", str(tmp_path / "other"))
    loaded = load_settings(path)
    assert loaded.data_dir == tmp_path / "other"
    assert loaded.database_url == f"sqlite:///{tmp_path / 'other' / 'watchd.db'}"


def test_env_overrides_the_port_and_a_bad_one_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`WATCHD_PORT=8123 make run` serves the example site on another port (the CI walk does)."""
    path = write(tmp_path, "[server]\nport = 8000\n")
    monkeypatch.setenv("WATCHD_PORT", "8123")
    assert load_settings(path).settings.server.port == 8123
    for bad in ("http", "0", "70000"):
        monkeypatch.setenv("WATCHD_PORT", bad)
        assert problems(path) == [f"WATCHD_PORT: not a port number (1 to 65535): {bad!r}"]
    monkeypatch.delenv("WATCHD_PORT")
    assert load_settings(path).settings.server.port == 8000


def test_unknown_key_is_reported_with_its_path(tmp_path: Path) -> None:
    path = write(tmp_path, "[recognition]\ntolerence = 0.4\n")
    assert problems(path) == ["recognition.tolerence: unknown key (not allowed here)"]


def test_the_face_encoder_is_fast_unless_dlib_is_asked_for(tmp_path: Path) -> None:
    assert load_settings(EXAMPLE).settings.recognition.encoder == "fast"
    assert load_settings(write(tmp_path, '[recognition]\nencoder = "dlib"\n')).settings.recognition.encoder == "dlib"
    (problem,) = problems(write(tmp_path, '[recognition]\nencoder = "gpu"\n'))
    assert problem.startswith("recognition.encoder:") and "'fast'" in problem and "'dlib'" in problem, problem


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
timezone = "Mars/Olympus"
[recognition]
tolerance = 3
[[sites]]
id = "bayan"
name = "巴音嘎查"
kind = "hamlet"
[[devices]]
id = "k1"
kind = "kiosk_web"
site = "bayan"
colour = "red"
""",
    )
    found = problems(path)
    assert any(p.startswith("timezone: unknown time zone 'Mars/Olympus'") for p in found), found
    assert any(p.startswith("recognition.tolerance:") and "0.8" in p for p in found), found
    assert any(p.startswith("sites.0.kind:") for p in found), found
    assert any(p.startswith("devices.0.kiosk_web.colour:") for p in found), found


def test_cross_references_are_checked(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[[sites]]
id = "bayan"
name = "巴音嘎查"
kind = "village"
[[sites]]
id = "office"
name = "苏木政府"
kind = "office"
[[people]]
id = "c1"
name = "甲"
villages = ["office", "nowhere"]
[[people]]
id = "c1"
name = "乙"
[[devices]]
id = "k1"
kind = "kiosk_web"
site = "moon"
""",
    )
    found = problems(path)
    assert "people.0.villages.0: 'office' is not a village site" in found
    assert "people.0.villages.1: 'nowhere' is not a village site" in found
    assert "people.1.id: duplicate person id 'c1'" in found
    assert "devices.0.site: unknown site 'moon'" in found


def test_unknown_device_kind_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, '[[sites]]\nid="a"\nname="A"\nkind="office"\n[[devices]]\nid="x"\nkind="teleporter"\nsite="a"\n')
    (problem,) = problems(path)
    assert problem.startswith("devices.0:") and "teleporter" in problem


def test_broken_toml_and_missing_file(tmp_path: Path) -> None:
    assert problems(write(tmp_path, "township = \n"))[0].startswith("not valid TOML")
    assert problems(tmp_path / "absent.toml") == ["file not found"]


def test_phone_and_tls_pair_are_validated(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[server]\ntls_cert = "/etc/cert.pem"\n[[people]]\nid = "p"\nname = "P"\nphone = "call me"\n',
    )
    found = problems(path)
    assert any(p.startswith("server:") and "tls_cert and tls_key" in p for p in found), found
    assert any(p.startswith("people.0.phone:") for p in found), found


def test_validate_config_command_prints_each_error_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "[server]\nport = 70000\nbogus = 1\n")
    assert main(["--config", str(path), "validate-config"]) == 2
    err = capsys.readouterr().err
    assert "server.port:" in err and "server.bogus: unknown key" in err
    assert main(["--config", str(EXAMPLE), "validate-config"]) == 0
    assert "OK" in capsys.readouterr().out


def test_config_comes_from_the_environment_when_no_flag(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WATCHD_CONFIG", str(EXAMPLE))
    assert main(["validate-config"]) == 0
    monkeypatch.delenv("WATCHD_CONFIG")
    assert main(["validate-config"]) == 2
    assert "WATCHD_CONFIG" in capsys.readouterr().err
