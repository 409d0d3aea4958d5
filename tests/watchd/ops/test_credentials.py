"""Secrets from the environment or systemd credentials (LoadCredential=), checked at start with their key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main
from devices.secrets import read_secret
from watchd.settings import ConfigError, load_settings

CHANNELS = """
[[people]]
id = "l001"
name = "乌云"
role = "leader"
phone = "13800000003"

[alerts]
on_call = [{ leader = "l001", principal = "l001" }]

[[alerts.channels]]
id = "sms"
kind = "aliyun_sms"
access_key_id = "LTAI5tExample"
access_key_secret_env = "ALIYUN_SECRET"
sign_name = "某某苏木"
template_code = "SMS_123456"

[[alerts.channels]]
id = "spare"
kind = "wecom"
key_env = "WECOM_KEY"
enabled = false
"""


@pytest.fixture
def creds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "credentials"
    directory.mkdir()
    for name in ("ALIYUN_SECRET", "WECOM_KEY", "WATCHD_DB_PASSWORD", "WATCHD_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(directory))
    return directory


def test_a_credential_file_is_read_and_the_environment_wins(creds: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (creds / "ALIYUN_SECRET").write_text("from-credential\n", encoding="utf-8")
    assert read_secret("ALIYUN_SECRET", where="x") == "from-credential"
    monkeypatch.setenv("ALIYUN_SECRET", "from-env")
    assert read_secret("ALIYUN_SECRET", where="x") == "from-env"


def test_validate_config_names_the_key_path_of_a_missing_secret(
    creds: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "watchd.toml"
    path.write_text(CHANNELS, encoding="utf-8")
    assert main(["--config", str(path), "validate-config"]) == 2
    err = capsys.readouterr().err
    assert "alerts.channels.0.access_key_secret_env: secret ALIYUN_SECRET is not set" in err
    assert "LoadCredential=ALIYUN_SECRET:" in err
    assert "WECOM_KEY" not in err  # a disabled channel needs no secret
    (creds / "ALIYUN_SECRET").write_text("s3cr3t-value\n", encoding="utf-8")
    assert main(["--config", str(path), "validate-config"]) == 0
    assert "s3cr3t-value" not in capsys.readouterr().out


def test_the_database_password_comes_from_a_credential(creds: Path, tmp_path: Path) -> None:
    path = tmp_path / "watchd.toml"
    path.write_text(
        '[database]\nurl = "postgresql+psycopg://watchd@db.local/watchd"\npassword_env = "WATCHD_DB_PASSWORD"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert info.value.problems[0].startswith("database.password_env: secret WATCHD_DB_PASSWORD is not set")
    (creds / "WATCHD_DB_PASSWORD").write_text("p@ss/word\n", encoding="utf-8")
    url = load_settings(path).database_url
    assert url == "postgresql+psycopg://watchd:p%40ss%2Fword@db.local/watchd"
