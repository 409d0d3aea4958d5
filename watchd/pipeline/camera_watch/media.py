"""A camera event's files: where snapshots and clips go, writing a snapshot, their sizes, their retention.

Files live under `<data_dir>/cameras/<camera>/<YYYYMMDD>/<time>.jpg` (the snapshot, the moving
objects outlined) and `<time>.mp4|.mkv` (the clip, cut by the stream from its own packets). Rows
name them relative to the data directory. Retention deletes events past `retention_days` with
their files, then the oldest clips and snapshots while the total is over `max_disk_mb`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from watchd.db.repositories.camera_events import CameraEventsRepository
from watchd.db.session import Database
from watchd.ops.datafiles import delete_data_file
from watchd.vision.motion.detector import Blob, Region
from watchd.vision.motion.outline import outline

log = logging.getLogger(__name__)


def media_path(media_dir: Path, camera_id: str, at: datetime, suffix: str) -> Path:
    """The file of an event that started `at` (a clip's suffix is chosen by the stream)."""
    stamp = at.strftime("%Y%m%dT%H%M%S%f")[:-3]
    return media_dir / camera_id / at.strftime("%Y%m%d") / f"{stamp}{suffix}"


def write_snapshot(
    path: Path, picture: npt.NDArray[np.uint8], blobs: Sequence[Blob], zones: Sequence[Region], *, camera_id: str
) -> Path | None:
    """The picture with zones and moving objects drawn, as a JPEG at `path`; None when it could not be written."""
    ok, data = cv2.imencode(".jpg", outline(picture, blobs, zones), [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(np.asarray(data).tobytes())
    except OSError as exc:
        log.warning("camera %s: snapshot %s not written: %s", camera_id, path, exc)
        return None
    return path


def relative(data_dir: Path, path: Path | str | None) -> str | None:
    """How a row names a file: relative to the data directory when it is inside it."""
    if path is None:
        return None
    p = Path(path)
    with contextlib.suppress(ValueError):
        return str(p.relative_to(data_dir))
    return str(p)


def file_size(path: Path | str | None) -> int:
    if path is None:
        return 0
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0


def prune_media(db: Database, data_dir: Path, *, now: datetime, days: int, max_bytes: int) -> tuple[int, int]:
    """Retention by age (rows and files) and then by disk size (oldest clips first, then snapshots)."""
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
