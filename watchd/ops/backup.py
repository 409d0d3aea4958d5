"""Backup and restore of the SQLite default: the database (online, consistent) and the data files.

A backup is one .tar.gz holding `watchd.db` (made with SQLite's online backup API, so it is
consistent even while the daemon writes) and the data directory's files (snapshots, kept photos,
clips) except the live database files. PostgreSQL installations use pg_dump instead.
"""

from __future__ import annotations

import io
import json
import logging
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from watchd.errors import Invalid

log = logging.getLogger(__name__)
DB_MEMBER = "watchd.db"
MANIFEST = "manifest.json"
LIVE_SUFFIXES = ("watchd.db", "watchd.db-wal", "watchd.db-shm")


@dataclass(frozen=True, slots=True)
class BackupInfo:
    path: Path
    files: int
    database_bytes: int


def sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise Invalid("not_sqlite", "backup and restore handle the SQLite default; use pg_dump for PostgreSQL")
    return Path(url.database)


def backup(database_url: str, data_dir: Path, dest: Path, now: datetime) -> BackupInfo:
    db_path = sqlite_path(database_url)
    if not db_path.exists():
        raise Invalid("no_database", f"no database at {db_path}")
    if dest.is_dir():
        dest = dest / f"watchd-backup-{now.strftime('%Y%m%d-%H%M%S')}.tar.gz"
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / DB_MEMBER
        src = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        dst = sqlite3.connect(copy)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        files = [p for p in sorted(data_dir.rglob("*")) if p.is_file() and p.name not in LIVE_SUFFIXES]
        partial = dest.with_name(dest.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            manifest = {"created_at": now.isoformat(), "files": len(files), "format": 1}
            _add_bytes(tar, MANIFEST, json.dumps(manifest).encode())
            tar.add(copy, arcname=DB_MEMBER)
            for f in files:
                tar.add(f, arcname=f"data/{f.relative_to(data_dir)}")
        partial.replace(dest)  # a crash mid-way never leaves a truncated file under the final name
    log.info("backup written to %s (%d data files)", dest, len(files))
    return BackupInfo(dest, len(files), copy_size(dest))


def copy_size(archive: Path) -> int:
    with tarfile.open(archive, "r:gz") as tar:
        return tar.getmember(DB_MEMBER).size


def restore(archive: Path, database_url: str, data_dir: Path, *, force: bool) -> int:
    """Replace the database and data files with the backup's. The daemon must be stopped."""
    db_path = sqlite_path(database_url)
    if db_path.exists() and not force:
        raise Invalid("database_exists", f"{db_path} exists; stop watchd and pass --force to replace it")
    with tempfile.TemporaryDirectory() as tmp:
        _extract(archive, Path(tmp))
        _check_sqlite(Path(tmp) / DB_MEMBER)
        data_dir.mkdir(parents=True, exist_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
        shutil.copyfile(Path(tmp) / DB_MEMBER, db_path)
        restored = 0
        extracted = Path(tmp) / "data"
        if extracted.exists():
            for f in extracted.rglob("*"):
                if f.is_file():
                    target = data_dir / f.relative_to(extracted)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(f, target)
                    restored += 1
    log.info("restored %s into %s (%d data files)", archive, db_path, restored)
    return restored


def _extract(archive: Path, into: Path) -> None:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            names = tar.getnames()
            if MANIFEST not in names or DB_MEMBER not in names:
                raise Invalid("bad_backup", f"{archive}: not a watchd backup (no manifest or database)")
            tar.extractall(into, filter="data")
    except (OSError, tarfile.TarError) as exc:
        raise Invalid("bad_backup", f"{archive}: not a watchd backup ({exc})") from None


def _check_sqlite(path: Path) -> None:
    con = sqlite3.connect(path)
    try:
        result = con.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.DatabaseError as exc:
        raise Invalid("bad_backup", f"the backup's database is damaged: {exc}") from None
    finally:
        con.close()
    if not result or result[0] != "ok":
        raise Invalid("bad_backup", f"the backup's database failed its integrity check: {result}")


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))
