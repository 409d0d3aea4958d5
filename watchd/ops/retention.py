"""The one retention mechanism: every stored picture and clip is deleted here, through the data-file
helper (watchd/ops/datafiles.py), never elsewhere.

Pictures (`Retention`): check-in snapshots, enrolment photos, visit photos, duty-room snapshots.

Run daily by the scheduler (watchd/scheduling.py; a missed day is caught up at the next start).
For each kind with a number of days configured (`[retention]`), the rows older than that lose
their picture reference in one committed transaction first, and only then are the files
deleted: a crash in between leaves files no row names, never a row naming a missing file. Such
files, and files left by a crash between writing a picture and committing its row, are swept
as orphans once older than `orphan_grace_hours` (the grace keeps pictures being written now).
The rows themselves stay (attendance, visits and incidents keep their history).

Camera events (`prune_camera_media`, run every ten minutes by the camera watch of the node that
watches cameras: their budget fills in minutes): events past `[camera_watch] retention_days` go
with their files, then the oldest clips and snapshots while the total is over `max_disk_mb`.
Their files are counted as referenced by the sweep and their folder is not swept.

Duty-room snapshots belong to incidents: they go with `incident_snapshot_days`, or as orphans once
the alert runner has purged their incident (`alerts.keep_days`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from watchd.db.repositories.camera_events import CameraEventsRepository
from watchd.db.repositories.retention import RetentionRepository
from watchd.db.session import Database
from watchd.ops.datafiles import delete_data_file, file_size
from watchd.settings.ops import RetentionSettings

log = logging.getLogger(__name__)
BATCH = 500  # rows detached per transaction
SWEPT_DIRS = ("snapshots", "photos", "visits", "duty/snapshots")


@dataclass(slots=True)
class RetentionReport:
    detached: dict[str, int] = field(default_factory=dict)  # kind -> rows whose picture was removed
    files_deleted: int = 0
    orphans_deleted: int = 0


class Retention:
    def __init__(self, db: Database, data_dir: Path, settings: RetentionSettings) -> None:
        self.db = db
        self.data_dir = data_dir
        self.settings = settings

    def days(self) -> dict[str, int]:
        s = self.settings
        return {
            "checkin_snapshot": s.checkin_snapshot_days, "enrollment_photo": s.enrollment_photo_days,
            "visit_photo": s.visit_photo_days, "incident_snapshot": s.incident_snapshot_days,
        }

    def run(self, now: datetime) -> RetentionReport:
        report = RetentionReport()
        for kind, days in self.days().items():
            if days == 0:  # kept for ever
                continue
            before = now - timedelta(days=days)
            while True:
                with self.db.unit_of_work() as s:
                    paths = RetentionRepository(s).detach_older_than(kind, before, BATCH)
                # Committed: no row names these files any more.
                report.detached[kind] = report.detached.get(kind, 0) + len(paths)
                report.files_deleted += sum(self._unlink(p) for p in paths)
                if len(paths) < BATCH:
                    break
        report.orphans_deleted = self.sweep_orphans(now)
        if report.files_deleted or report.orphans_deleted or any(report.detached.values()):
            log.info("retention: %s rows lost their picture, %d files deleted, %d orphan files swept",
                     report.detached, report.files_deleted, report.orphans_deleted)
        return report

    def sweep_orphans(self, now: datetime) -> int:
        """Delete files under the picture folders that no row names and that are older than the grace."""
        cutoff = now.timestamp() - self.settings.orphan_grace_hours * 3600
        candidates: list[Path] = []
        for folder in SWEPT_DIRS:
            root = self.data_dir / folder
            if root.is_dir():
                candidates += [p for p in root.rglob("*") if p.is_file() and _mtime(p) < cutoff]
        if not candidates:
            return 0
        with self.db.read() as s:  # read after listing: a row committed meanwhile is seen
            referenced = RetentionRepository(s).referenced_paths()
        deleted = 0
        for path in candidates:
            rel = path.relative_to(self.data_dir).as_posix()
            if rel not in referenced and str(path.relative_to(self.data_dir)) not in referenced:
                deleted += self._unlink(rel)
        for folder in SWEPT_DIRS:
            _remove_empty_dirs(self.data_dir / folder)
        return deleted

    def _unlink(self, rel: str) -> int:
        return delete_data_file(self.data_dir, rel, "retention")


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return float("inf")


def _remove_empty_dirs(root: Path) -> None:
    if not root.is_dir():
        return
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        try:
            folder.rmdir()  # only succeeds when empty
        except OSError:
            continue


def prune_camera_media(db: Database, data_dir: Path, *, now: datetime, days: int, max_bytes: int) -> tuple[int, int]:
    """Camera events by age (rows and files), then media by disk size (oldest clips first, then
    snapshots); (events, files) deleted."""
    deleted_rows = deleted_files = 0
    with db.unit_of_work() as s:
        repo = CameraEventsRepository(s)
        for row in repo.older_than(now - timedelta(days=days)):
            deleted_files += delete_data_file(data_dir, row.clip_path, "camera retention") + delete_data_file(
                data_dir, row.snapshot_path, "camera retention"
            )
            for rel in row.class_snapshots():
                deleted_files += delete_data_file(data_dir, rel, "camera retention")
            repo.delete(row)
            deleted_rows += 1
        total = repo.media_bytes()
        if total > max_bytes:
            rows = list(repo.with_media_oldest_first())
            for attr in ("clip_path", "snapshot_path"):
                for row in rows:
                    if total <= max_bytes:
                        break
                    rel = getattr(row, attr)
                    if rel is None:
                        continue
                    size = file_size(data_dir / rel)
                    deleted_files += delete_data_file(data_dir, rel, "camera retention")
                    setattr(row, attr, None)
                    if attr == "snapshot_path" and row.classes:  # the class snapshots go with the snapshot
                        for extra in row.class_snapshots():
                            size += file_size(data_dir / extra)
                            deleted_files += delete_data_file(data_dir, extra, "camera retention")
                        row.drop_class_snapshots()
                    row.media_bytes = max(0, row.media_bytes - size)
                    total -= size
    if deleted_rows or deleted_files:
        log.info("camera retention: %d events and %d files deleted", deleted_rows, deleted_files)
    return deleted_rows, deleted_files
