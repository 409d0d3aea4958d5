from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from watchd.db.base import Base, UTCDateTime


class Person(Base):
    __tablename__ = "people"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str | None] = mapped_column(String(24), default=None)
    role: Mapped[str] = mapped_column(String(20))
    organisation: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set when the person is deleted: biometric data is purged, the row stays for attendance history.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class PersonVillage(Base):
    __tablename__ = "person_villages"

    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)


class FaceTemplate(Base):
    __tablename__ = "face_templates"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    encoding: Mapped[bytes] = mapped_column(LargeBinary)  # 128 little-endian float64
    model_version: Mapped[str] = mapped_column(String(64))
    photo_sha256: Mapped[str] = mapped_column(String(64))
    photo_path: Mapped[str | None] = mapped_column(String(300), default=None)  # only when photos are kept
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
