from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from watchd.db.base import Base, UTCDateTime


class Checkin(Base):
    """One recorded check-in. `idempotency_key` makes every replay a no-op."""

    __tablename__ = "checkins"
    __table_args__ = (
        Index("ix_checkins_day_site", "local_date", "site_id"),
        Index("ix_checkins_person_time", "person_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    local_date: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(20))  # kiosk_face | camera_face | terminal
    distance: Mapped[float | None] = mapped_column(default=None)
    second_distance: Mapped[float | None] = mapped_column(default=None)
    liveness: Mapped[str] = mapped_column(String(20))  # passed | not_required | terminal
    snapshot_path: Mapped[str | None] = mapped_column(String(300), default=None)
