"""Daily work logs (工作日志), their edit history and leaders' comments, and weekly plan items (周例会).

An owner is a person (`owner_kind` "person", `owner_id` the person id) or a department (`owner_kind`
"department", `owner_id` the organisation name people carry); departments have no table of their own.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from watchd.db.base import Base, UTCDateTime


class WorkLog(Base):
    """One owner's entry for one day: done today, problems, plan for tomorrow."""

    __tablename__ = "work_logs"
    __table_args__ = (
        UniqueConstraint("owner_kind", "owner_id", "day", name="uq_work_logs_owner_day"),
        Index("ix_work_logs_day", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    owner_kind: Mapped[str] = mapped_column(String(12))  # person | department
    owner_id: Mapped[str] = mapped_column(String(100))
    day: Mapped[date] = mapped_column(Date)
    done: Mapped[str] = mapped_column(String(4000), default="")
    problems: Mapped[str] = mapped_column(String(2000), default="")
    plan: Mapped[str] = mapped_column(String(2000), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    written_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WorkLogRevision(Base):
    """A version of an entry that a later edit replaced (the visible history)."""

    __tablename__ = "work_log_revisions"
    __table_args__ = (UniqueConstraint("log_id", "version", name="uq_work_log_revisions_log_version"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    log_id: Mapped[int] = mapped_column(ForeignKey("work_logs.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    done: Mapped[str] = mapped_column(String(4000))
    problems: Mapped[str] = mapped_column(String(2000))
    plan: Mapped[str] = mapped_column(String(2000))
    written_by: Mapped[str] = mapped_column(String(100))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when this version was saved
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime)
    replaced_by: Mapped[str] = mapped_column(String(100))


class WorkLogComment(Base):
    """A leader's comment (批注) on an entry."""

    __tablename__ = "work_log_comments"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    log_id: Mapped[int] = mapped_column(ForeignKey("work_logs.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PlanItem(Base):
    """One item of an owner's plan for the week starting `week` (a Monday), marked during that week."""

    __tablename__ = "plan_items"
    __table_args__ = (Index("ix_plan_items_week_owner", "week", "owner_kind", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    owner_kind: Mapped[str] = mapped_column(String(12))
    owner_id: Mapped[str] = mapped_column(String(100))
    week: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | done | partly | not_done
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
