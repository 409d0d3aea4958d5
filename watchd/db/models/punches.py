"""Raw punches from vendor terminals, the device-user mapping, and each terminal's last known state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from watchd.db.base import Base, UTCDateTime


class RawPunch(Base):
    """One punch exactly as a terminal reported it. Append-only: only the outcome columns change.

    The natural key (serial, device_user, device_time) makes a re-read, a replay or a restart a
    no-op. `device_time` is the device's own wall clock ("YYYY-MM-DD HH:MM:SS"), kept as text
    because a device may report a day that does not exist.
    """

    __tablename__ = "raw_punches"
    __table_args__ = (
        UniqueConstraint("serial", "device_user", "device_time", name="uq_raw_punches_natural_key"),
        Index("ix_raw_punches_state_device", "state", "device_id"),
        Index("ix_raw_punches_device_user", "device_id", "device_user"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    serial: Mapped[str] = mapped_column(String(64))
    device_user: Mapped[str] = mapped_column(String(64))
    device_time: Mapped[str] = mapped_column(String(19))
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    skew_seconds: Mapped[float | None] = mapped_column(default=None)  # device clock minus ours, at the poll
    cursor: Mapped[int | None] = mapped_column(BigInteger, default=None)  # device log index / event serial no.
    source: Mapped[str] = mapped_column(String(20))
    verify: Mapped[str | None] = mapped_column(String(20), default=None)
    attendance_state: Mapped[str | None] = mapped_column(String(20), default=None)
    user_name: Mapped[str | None] = mapped_column(String(64), default=None)
    # Outcome: pending (mapped, check-in not yet written) | counted | unmapped | ignored | quarantined
    state: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(String(40), default=None)
    person_id: Mapped[str | None] = mapped_column(String(64), default=None)
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id"), default=None)


class TerminalUserMap(Base):
    """Which watchd person a device user is. `scope` is a device id, or '*' for every terminal."""

    __tablename__ = "terminal_user_maps"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    device_user: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str | None] = mapped_column(ForeignKey("people.id"), default=None)  # None: ignore this user
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TerminalState(Base):
    """What watchd last learnt about a terminal: identity, clock skew, presence and read position."""

    __tablename__ = "terminal_states"

    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    serial: Mapped[str | None] = mapped_column(String(64), default=None)
    model: Mapped[str | None] = mapped_column(String(100), default=None)
    firmware: Mapped[str | None] = mapped_column(String(100), default=None)
    probed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    skew_seconds: Mapped[float | None] = mapped_column(default=None)
    online: Mapped[bool | None] = mapped_column(default=None)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    detail: Mapped[str] = mapped_column(String(300), default="")
    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    presence_timeout_s: Mapped[int | None] = mapped_column(default=None)  # push devices: silent longer = offline
    position: Mapped[str | None] = mapped_column(String(200), default=None)
