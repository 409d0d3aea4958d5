"""A camera event's files: where snapshots and clips go, writing a snapshot.

Files live under `<data_dir>/cameras/<camera>/<YYYYMMDD>/<time>.jpg` (the snapshot, the moving
objects outlined) and `<time>.mp4|.mkv` (the clip, cut by the stream from its own packets). Rows
name them relative to the data directory. Their retention is watchd/ops/retention.py
(`prune_camera_media`), which the camera watch runs every ten minutes.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

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
