"""Duty rosters, swaps, the desk presence timeline and the duty log's notes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from watchd.db.base import Base, UTCDateTime


class DutyAssignment(Base):
    """One person on one shift of one duty room, as planned (swaps are applied on top)."""

    __tablename__ = "duty_assignments"
    __table_args__ = (
        UniqueConstraint("room_id", "day", "role", "person_id", name="uq_duty_assignments_slot_person"),
        Index("ix_duty_assignments_day", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    day: Mapped[date] = mapped_column(Date)
    role: Mapped[str] = mapped_column(String(10))  # officer | leader
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(100))


class DutySwap(Base):
    """A request to hand a shift to someone else (and optionally take one of theirs back)."""

    __tablename__ = "duty_swaps"
    __table_args__ = (Index("ix_duty_swaps_day", "room_id", "day"), Index("ix_duty_swaps_status", "status"))

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    day: Mapped[date] = mapped_column(Date)
    role: Mapped[str] = mapped_column(String(10))
    from_person: Mapped[str] = mapped_column(ForeignKey("people.id"))
    to_person: Mapped[str] = mapped_column(ForeignKey("people.id"))
    back_day: Mapped[date | None] = mapped_column(Date, default=None)
    reason: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(12))  # pending | approved | rejected | cancelled
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(100), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    decision_note: Mapped[str] = mapped_column(String(500), default="")


class DutyPresence(Base):
    """A stretch of one state at a duty desk. The open stretch has no `end_at`; `checked_at` is the
    last picture that confirmed it, so a crash leaves it ending there (unknown afterwards)."""

    __tablename__ = "duty_presence"
    __table_args__ = (
        UniqueConstraint("room_id", "start_at", name="uq_duty_presence_room_start"),
        Index("ix_duty_presence_room_end", "room_id", "end_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    state: Mapped[str] = mapped_column(String(10))  # present | absent | unknown
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    faces: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # person id (or "?") → sightings


class DutyNote(Base):
    """A free-text entry in the duty log (值班日志). `client_key` makes a resent note a no-op."""

    __tablename__ = "duty_notes"
    __table_args__ = (Index("ix_duty_notes_room_day", "room_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    day: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    author: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(String(2000))
    client_key: Mapped[str | None] = mapped_column(String(80), unique=True, default=None)
