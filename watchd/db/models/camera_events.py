"""Camera watch events: motion in a zone, tamper, camera offline. One row per event."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from watchd.db.base import Base, UTCDateTime


class CameraEvent(Base):
    """`event_key` (camera, kind, start instant) is the natural key: a replay changes nothing."""

    __tablename__ = "camera_events"
    __table_args__ = (
        Index("ix_camera_events_camera_started", "camera_id", "started_at"),
        Index("ix_camera_events_started", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    event_key: Mapped[str] = mapped_column(String(120), unique=True)
    camera_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    kind: Mapped[str] = mapped_column(String(20))  # motion | tamper | camera_offline
    reason: Mapped[str] = mapped_column(String(40), default="")  # tamper: covered | defocused | moved
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    zones: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of zone names
    box: Mapped[str | None] = mapped_column(String(100), default=None)  # JSON [x, y, w, h] in fractions
    peak_area: Mapped[float] = mapped_column(default=0.0)
    detail: Mapped[str] = mapped_column(Text, default="")
    snapshot_path: Mapped[str | None] = mapped_column(String(300), default=None)  # relative to the data dir
    clip_path: Mapped[str | None] = mapped_column(String(300), default=None)
    media_bytes: Mapped[int] = mapped_column(BigInteger, default=0)  # snapshots + clip on disk
    # What moved (revision 0010): person | vehicle | animal | unknown; NULL without a detector.
    object_class: Mapped[str | None] = mapped_column(String(20), default=None)
    # JSON {class: {"score": .., "snapshot": "cameras/...-person.jpg" | null, "reason": ..}}
    classes: Mapped[str | None] = mapped_column(Text, default=None)

    def class_snapshots(self) -> list[str]:
        """The files of the best snapshot of each class (relative to the data directory)."""
        try:
            seen = json.loads(self.classes or "{}")
        except ValueError:
            return []
        return [str(v["snapshot"]) for v in seen.values() if isinstance(v, dict) and v.get("snapshot")]

    def drop_class_snapshots(self) -> None:
        """Forget the class snapshots (their files were deleted); scores stay."""
        seen = json.loads(self.classes or "{}")
        for v in seen.values():
            if isinstance(v, dict):
                v["snapshot"] = None
        self.classes = json.dumps(seen, ensure_ascii=False)
