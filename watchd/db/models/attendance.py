"""Attendance tables: settled days, watermarks, calendar overrides, leave, make-up punches,
household pairings and visits, reminders sent, and the scheduler's last runs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from watchd.db.base import Base, UTCDateTime


class CalendarOverride(Base):
    """An administrator's correction of the holiday calendar for one day."""

    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    workday: Mapped[bool] = mapped_column()
    name: Mapped[str] = mapped_column(String(40), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(64), default="")


class DeviceWatermark(Base):
    """How far a device has reported: every punch it made before `reported_until` has arrived."""

    __tablename__ = "device_watermarks"

    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True)
    reported_until: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AttendanceDay(Base):
    """One person's settled day. Re-settling overwrites it (natural key person + day)."""

    __tablename__ = "attendance_days"
    __table_args__ = (Index("ix_attendance_days_day", "day"),)

    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    organisation: Mapped[str] = mapped_column(String(100), default="")
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    schedule: Mapped[str] = mapped_column(String(40))
    session_count: Mapped[int] = mapped_column()
    attended_sessions: Mapped[int] = mapped_column(default=0)
    absent_sessions: Mapped[int] = mapped_column(default=0)
    late_count: Mapped[int] = mapped_column(default=0)
    late_minutes: Mapped[int] = mapped_column(default=0)
    early_count: Mapped[int] = mapped_column(default=0)
    early_minutes: Mapped[int] = mapped_column(default=0)
    missing_punches: Mapped[int] = mapped_column(default=0)
    # JSON text written by the settlement itself (compact, and cheap to bind for thousands of rows):
    leave: Mapped[str] = mapped_column(Text, default="{}")  # leave kind -> fraction of the day
    sessions: Mapped[str] = mapped_column(Text, default="[]")  # per-session detail for the daily report
    village_site_id: Mapped[str | None] = mapped_column(String(64), default=None)
    first_punch_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_punch_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    suspect_punches: Mapped[int] = mapped_column(default=0)
    settled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    provisional: Mapped[bool] = mapped_column(default=False)


class SettledDay(Base):
    """A day whose attendance has been settled for everybody."""

    __tablename__ = "settled_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    settled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    provisional: Mapped[bool] = mapped_column(default=False)  # settled although a device had not reported
    lagging_devices: Mapped[list[Any]] = mapped_column(JSON, default=list)
    people: Mapped[int] = mapped_column(default=0)


class AttendanceCursor(Base):
    """Position of a scan over the check-ins table (by id), e.g. for late uploads after settlement."""

    __tablename__ = "attendance_cursors"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SuspectPunch(Base):
    """A check-in whose device time cannot be right (clock far ahead or reset); not counted."""

    __tablename__ = "suspect_punches"
    __table_args__ = (Index("ix_suspect_punches_received_day", "received_day"),)

    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    device_id: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_day: Mapped[date] = mapped_column(Date)
    problem: Mapped[str] = mapped_column(String(20))


class LeaveRequest(Base):
    __tablename__ = "leave_requests"
    __table_args__ = (Index("ix_leave_requests_person_start", "person_id", "start_at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(20))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(12), index=True)
    requested_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(64), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    decision_note: Mapped[str] = mapped_column(String(500), default="")


class MakeupRequest(Base):
    """A make-up punch (补卡): once approved it counts like a punch at `punch_at`."""

    __tablename__ = "makeup_requests"
    __table_args__ = (Index("ix_makeup_requests_person_punch", "person_id", "punch_at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    punch_at: Mapped[datetime] = mapped_column(UTCDateTime)
    site_id: Mapped[str | None] = mapped_column(ForeignKey("sites.id"), default=None)
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(12), index=True)
    requested_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(64), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    decision_note: Mapped[str] = mapped_column(String(500), default="")


class Household(Base):
    __tablename__ = "households"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))  # head of the household
    site_id: Mapped[str | None] = mapped_column(ForeignKey("sites.id"), default=None)
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str | None] = mapped_column(String(24), default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Pairing(Base):
    """A cadre paired with a household (结亲/包户). Ended pairings stay for past reports."""

    __tablename__ = "pairings"
    __table_args__ = (UniqueConstraint("person_id", "household_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Visit(Base):
    __tablename__ = "visits"
    __table_args__ = (
        UniqueConstraint("person_id", "client_key"),
        Index("ix_visits_household_time", "household_id", "visited_at"),
        Index("ix_visits_person_time", "person_id", "visited_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"))
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(String(500), default="")
    photo_path: Mapped[str | None] = mapped_column(String(300), default=None)
    latitude: Mapped[float | None] = mapped_column(Float, default=None)
    longitude: Mapped[float | None] = mapped_column(Float, default=None)
    client_key: Mapped[str | None] = mapped_column(String(80), default=None)  # makes a resend a no-op
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(64))


class Reminder(Base):
    """A reminder or monthly list that was sent; the key makes a re-run (catch-up) send it once."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    person_id: Mapped[str | None] = mapped_column(ForeignKey("people.id"), default=None, index=True)
    month: Mapped[str] = mapped_column(String(7))
    text: Mapped[str] = mapped_column(String(4000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SchedulerRun(Base):
    """The last slot each scheduled job completed, so a restart catches up what downtime missed."""

    __tablename__ = "scheduler_runs"

    job_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_slot: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    runs: Mapped[int] = mapped_column(default=0)
