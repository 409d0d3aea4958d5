"""The 1135 appraisal: rounds, the cadres appraised, imported rolls, single-use codes, and the ballots.

Anonymity is in the shape of these tables: a ballot and its scores hold a random id, the round, the
rater group and the points, nothing else (no code, roll entry, person, phone, device or time). A code
holds only its HMAC and a used flag; a login voter only that they voted. Ballots wait in the pool and
are stored in shuffled batches (watchd/services/appraisal/mixing.py), so neither the order of storage
nor the storing transaction links a ballot to the code or login that cast it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from watchd.db.base import Base, UTCDateTime


class AppraisalRound(Base):
    __tablename__ = "appraisal_rounds"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(60))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    organisation: Mapped[str] = mapped_column(String(100), default="")  # "" = every organisation
    groups: Mapped[dict[str, Any]] = mapped_column(JSON)  # group -> {weight, min_ballots}, fixed at creation
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finalised_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, default=None
    )  # pool flushed, devices dropped
    flags: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # device counts kept after the close


class AppraisalCadre(Base):
    """A cadre appraised in the round (fixed when the round is created)."""

    __tablename__ = "appraisal_cadres"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("appraisal_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), primary_key=True)


class AppraisalRollEntry(Base):
    """A member of the village committee / a villager representative, or a household, on an imported roll."""

    __tablename__ = "appraisal_roll"
    __table_args__ = (UniqueConstraint("round_id", "rater_group", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("appraisal_rounds.id", ondelete="CASCADE"))
    rater_group: Mapped[str] = mapped_column(String(12))  # committee | villagers
    entry_id: Mapped[str] = mapped_column(String(64))  # 户编号, or the member's number
    name: Mapped[str] = mapped_column(String(60))
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    phone: Mapped[str | None] = mapped_column(String(24), default=None)


class AppraisalCode(Base):
    """One roll entry's single-use code: only its HMAC (server secret) and whether it was used."""

    __tablename__ = "appraisal_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    roll_id: Mapped[int] = mapped_column(ForeignKey("appraisal_roll.id", ondelete="CASCADE"), unique=True)
    used: Mapped[bool] = mapped_column(default=False)


class AppraisalVoter(Base):
    """A login (leader or cadre) that has voted in the round: whether, never what."""

    __tablename__ = "appraisal_voters"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("appraisal_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), primary_key=True)
    rater_group: Mapped[str] = mapped_column(String(12))


class AppraisalPooled(Base):
    """A ballot waiting to be mixed into the ballots table (random id; scores as JSON)."""

    __tablename__ = "appraisal_pool"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("appraisal_rounds.id", ondelete="CASCADE"), index=True)
    rater_group: Mapped[str] = mapped_column(String(12))
    scores: Mapped[dict[str, int]] = mapped_column(JSON)


class AppraisalBallot(Base):
    __tablename__ = "appraisal_ballots"
    __table_args__ = (Index("ix_appraisal_ballots_round_group", "round_id", "rater_group"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, drawn at mixing time
    round_id: Mapped[int] = mapped_column(ForeignKey("appraisal_rounds.id", ondelete="CASCADE"))
    rater_group: Mapped[str] = mapped_column(String(12))


class AppraisalScore(Base):
    __tablename__ = "appraisal_scores"
    __table_args__ = (Index("ix_appraisal_scores_round_cadre", "round_id", "cadre_id"),)

    ballot_id: Mapped[str] = mapped_column(
        ForeignKey("appraisal_ballots.id", ondelete="CASCADE"), primary_key=True
    )
    cadre_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    round_id: Mapped[int] = mapped_column()
    rater_group: Mapped[str] = mapped_column(String(12))
    points: Mapped[int] = mapped_column()


class AppraisalTally(Base):
    """Ballots cast per minute (for the burst flag): a count, no ballot, code or device."""

    __tablename__ = "appraisal_tallies"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("appraisal_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    minute: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    ballots: Mapped[int] = mapped_column(default=0)


class AppraisalDevice(Base):
    """Codes used per device (HMAC of round, address and browser); dropped when the round is finalised."""

    __tablename__ = "appraisal_devices"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("appraisal_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    codes: Mapped[int] = mapped_column(default=0)
