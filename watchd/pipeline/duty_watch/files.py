"""The duty watch's files under `<data_dir>/duty`: empty-seat references, "mark empty" markers, snapshots.

- `empty-seat-<camera>.png`: each desk camera's picture of the empty seat, saved when it changes
  (and every 30 minutes as it drifts), loaded at start;
- `mark-empty-<camera>`: a marker an administrator's "the desk is empty now" leaves for the watch
  (it may run in another process); the camera's next picture becomes the reference;
- `snapshots/<room>-<what>-<UTC time>.jpg`: the picture attached to an incident, deleted by the
  retention job (watchd/ops/retention.py: `retention.incident_snapshot_days`, or with its incident).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np

from watchd.pipeline.duty_watch.state import CameraRuntime, RoomRuntime
from watchd.vision.images import encode_jpeg

log = logging.getLogger(__name__)
REFERENCE_SAVE_EVERY = timedelta(minutes=30)


class DeskFiles:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.dir = data_dir / "duty"

    def _reference_path(self, cam: CameraRuntime) -> Path:
        return self.dir / f"empty-seat-{cam.device_id}.png"

    def _mark_path(self, device_id: str) -> Path:
        return self.dir / f"mark-empty-{device_id}"

    # -- the empty seat ---------------------------------------------------------------------------
    def load_reference(self, cam: CameraRuntime) -> None:
        path = self._reference_path(cam)
        if path.is_file():
            image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
            if image is not None:
                cam.analyzer.load_reference(np.asarray(image, dtype=np.uint8))
                cam.saved_reference = cam.analyzer.reference_changes

    def save_reference(self, cam: CameraRuntime, now: datetime) -> None:
        changed = cam.analyzer.reference_changes != cam.saved_reference
        drifted = cam.saved_at is not None and now - cam.saved_at >= REFERENCE_SAVE_EVERY
        image = cam.analyzer.reference_image()
        if image is None or not (changed or drifted):
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        path = self._reference_path(cam)
        tmp = path.with_suffix(".tmp.png")
        if cv2.imwrite(str(tmp), image):
            tmp.replace(path)
        cam.saved_reference = cam.analyzer.reference_changes
        cam.saved_at = now
        if changed:
            log.info("duty camera %s: empty-seat reference updated", cam.device_id)

    def mark(self, device_ids: Iterable[str]) -> list[str]:
        """Leave a marker for each camera: its next picture is the empty seat."""
        self.dir.mkdir(parents=True, exist_ok=True)
        marked = []
        for device_id in device_ids:
            self._mark_path(device_id).touch()
            marked.append(device_id)
        return marked

    def take_mark(self, cam: CameraRuntime) -> bool:
        """Whether the camera was marked (the marker is used up)."""
        marker = self._mark_path(cam.device_id)
        if not marker.exists():
            return False
        marker.unlink(missing_ok=True)
        return True

    # -- incident snapshots -----------------------------------------------------------------------
    def snapshot(self, room: RoomRuntime, what: str, at: datetime) -> str | None:
        """The room's last picture as an incident snapshot; its path relative to the data directory."""
        if room.last_image is None or room.last_image.ndim != 3:
            return None
        folder = self.dir / "snapshots"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{room.room_id}-{what}-{at.astimezone(UTC):%Y%m%dT%H%M%SZ}.jpg"
        try:
            path.write_bytes(encode_jpeg(room.last_image, max_side=640))
        except (OSError, ValueError):
            log.warning("duty room %s: snapshot not written", room.room_id, exc_info=True)
            return None
        return str(path.relative_to(self.data_dir))
