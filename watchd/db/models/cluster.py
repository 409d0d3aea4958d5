"""Nodes sharing the database and the work (devices, cameras) leased to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from watchd.db.base import Base, UTCDateTime


class NodeRecord(Base):
    """One running watchd process; `heartbeat_at` is renewed with its leases."""

    __tablename__ = "cluster_nodes"

    node_id: Mapped[str] = mapped_column(String(100), primary_key=True)  # "name/instance"
    name: Mapped[str] = mapped_column(String(60), index=True)
    host: Mapped[str] = mapped_column(String(100))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WorkLease(Base):
    """Which node runs a device (a camera, a terminal, a singleton task) and until when."""

    __tablename__ = "work_leases"

    item: Mapped[str] = mapped_column(String(120), primary_key=True)
    node_id: Mapped[str | None] = mapped_column(String(100), index=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acquired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    generation: Mapped[int] = mapped_column(Integer, default=0)  # +1 at every change of hands
    state: Mapped[str] = mapped_column(String(40), default="")  # what the holder reports, e.g. "online"
