"""Backup and restore of the SQLite default through the `watchd` command."""

from __future__ import annotations

import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cli.main import main
from watchd.app import build_services
from watchd.services.checkins import NewCheckin
from watchd.settings import load_settings

CONFIG = """
[[sites]]
id = "bayan"
name = "巴音嘎查"
kind = "village"
[[people]]
id = "c001"
name = "其其格"
villages = ["bayan"]
[[devices]]
id = "k1"
kind = "kiosk_web"
site = "bayan"
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "watchd.toml"
    path.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("WATCHD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("WATCHD_DATABASE_URL", raising=False)
    return path


def record_one(config: Path, key: str) -> int:
    services = build_services(load_settings(config), recognition_workers=0)
    try:
        at = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)
        services.checkins.record(NewCheckin(key=key, person_id="c001", device_id="k1", occurred_at=at, method="terminal", liveness="terminal"))
        (services.config.data_dir / "snapshots").mkdir(exist_ok=True)
        (services.config.data_dir / "snapshots" / "a.jpg").write_bytes(b"jpeg")
        return len(services.checkins.search())
    finally:
        services.close()


def count(config: Path) -> int:
    services = build_services(load_settings(config), recognition_workers=0)
    try:
        return len(services.checkins.search())
    finally:
        services.close()


def test_backup_then_restore_brings_back_records_and_files(config: Path, tmp_path: Path) -> None:
    assert record_one(config, "k1:a") == 1
    out = tmp_path / "backups"
    out.mkdir()
    assert main(["--config", str(config), "backup", str(out)]) == 0
    (archive,) = out.glob("watchd-backup-*.tar.gz")
    # Disaster: the data directory is lost.
    for f in sorted((tmp_path / "data").rglob("*"), reverse=True):
        f.unlink() if f.is_file() else f.rmdir()
    assert count(config) == 0
    assert main(["--config", str(config), "restore", str(archive)]) == 1  # refuses to overwrite
    assert main(["--config", str(config), "restore", str(archive), "--force"]) == 0
    assert count(config) == 1
    assert (tmp_path / "data" / "snapshots" / "a.jpg").read_bytes() == b"jpeg"


def test_restore_refuses_a_file_that_is_not_a_backup(config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not a tarball")
    assert main(["--config", str(config), "restore", str(bogus), "--force"]) == 1
    assert "not a watchd backup" in capsys.readouterr().err
    fake = tmp_path / "fake.tar.gz"
    with tarfile.open(fake, "w:gz") as tar:
        tar.add(config, arcname="whatever.toml")
    assert main(["--config", str(config), "restore", str(fake), "--force"]) == 1


def test_backup_refuses_postgresql(config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("WATCHD_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/test")
    assert main(["--config", str(config), "backup", str(tmp_path)]) == 1
    assert "pg_dump" in capsys.readouterr().err
