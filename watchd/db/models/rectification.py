"""The rectification ledger (整改台账): problem, measure, owner, deadline, sign-off (销号)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from watchd.db.base import Base, UTCDateTime


class RectificationItem(Base):
    __tablename__ = "rectifications"
    __table_args__ = (Index("ix_rectifications_status_deadline", "status", "deadline"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    source_kind: Mapped[str] = mapped_column(String(16))  # incident | spot_check | attendance | manual
    source_ref: Mapped[str] = mapped_column(String(100), default="")
    organisation: Mapped[str] = mapped_column(String(100), default="")  # the owner's, when opened
    problem: Mapped[str] = mapped_column(String(500))
    measure: Mapped[str] = mapped_column(String(500))
    owner_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | closed
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    close_note: Mapped[str] = mapped_column(String(500), default="")
    photo_path: Mapped[str | None] = mapped_column(String(300), default=None)
