"""Review items of the duty room's video verification (视频复核), one per camera event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from watchd.db.base import Base, UTCDateTime


class ReviewItem(Base):
    """A camera event waiting for (or carrying) a person's verdict. `source_key` (the camera event id,
    else the observation's key and time) makes a replayed observation add nothing. Kept after the
    incident is purged (the false-alarm counts read it): the incident link is then NULL."""

    __tablename__ = "review_items"
    __table_args__ = (
        Index("ix_review_items_status", "status"),
        Index("ix_review_items_camera_decided", "camera_id", "decided_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    source_key: Mapped[str] = mapped_column(String(240), unique=True)
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), default=None, index=True
    )
    camera_event_id: Mapped[int | None] = mapped_column(
        default=None
    )  # no FK: media retention may drop the event
    kind: Mapped[str] = mapped_column(String(40))  # motion | tamper | camera_offline
    site_id: Mapped[str] = mapped_column(String(64))
    camera_id: Mapped[str] = mapped_column(String(100))
    zones: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of zone names
    summary: Mapped[str] = mapped_column(String(200), default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    held: Mapped[bool] = mapped_column(default=False)  # its incident waited for the verdict
    status: Mapped[str] = mapped_column(String(16))  # unreviewed | claimed | real | false_alarm | handled
    claimed_by: Mapped[str | None] = mapped_column(String(100), default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    claim_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)  # the clip was first played
    decided_by: Mapped[str | None] = mapped_column(String(100), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    note: Mapped[str] = mapped_column(String(500), default="")
