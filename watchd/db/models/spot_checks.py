"""Spot checks (查岗): each shift's drawn plan and every check, planned, open and settled."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from watchd.db.base import Base, UTCDateTime


class SpotCheckPlan(Base):
    """One shift's draw: written once, so a second process (or a restart) never draws again."""

    __tablename__ = "spot_check_plans"
    __table_args__ = (UniqueConstraint("room_id", "day", name="uq_spot_check_plans_room_day"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    day: Mapped[date] = mapped_column(Date)
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checks: Mapped[int] = mapped_column(
        Integer
    )  # how many were drawn (fewer than asked when they did not fit)


class SpotCheck(Base):
    """One check. `seq` numbers the shift's checks: drawn ones from 0, started by a leader from 1000."""

    __tablename__ = "spot_checks"
    __table_args__ = (
        UniqueConstraint("room_id", "day", "seq", name="uq_spot_checks_room_day_seq"),
        Index("ix_spot_checks_status_at", "status", "planned_at"),
        Index("ix_spot_checks_day", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    day: Mapped[date] = mapped_column(Date)  # the shift's day
    seq: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(10))  # screen | sms
    status: Mapped[str] = mapped_column(String(10))  # planned | open | answered | missed | skipped
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_by: Mapped[str | None] = mapped_column(String(100), default=None)  # a leader's login; None: drawn
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    code: Mapped[str | None] = mapped_column(String(8), default=None)
    nonce: Mapped[str | None] = mapped_column(
        String(64), default=None
    )  # screen: only the duty screen gets it
    officers: Mapped[str] = mapped_column(
        String(500), default=""
    )  # person ids on duty when issued, comma separated
    person_id: Mapped[str | None] = mapped_column(String(64), default=None)  # sms: the officer texted
    phone: Mapped[str | None] = mapped_column(
        String(32), default=None
    )  # sms: the number a reply must come from
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    answered_by: Mapped[str | None] = mapped_column(String(100), default=None)  # login, or the person texted
    note: Mapped[str] = mapped_column(String(200), default="")  # why skipped; refused answers
