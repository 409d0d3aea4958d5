"""The 1135 appraisal: rounds, cadres, rolls, codes, login voters, the ballot pool and the ballots."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from watchd.db.models import (
    AppraisalBallot,
    AppraisalCadre,
    AppraisalCode,
    AppraisalDevice,
    AppraisalPooled,
    AppraisalRollEntry,
    AppraisalRound,
    AppraisalScore,
    AppraisalTally,
    AppraisalVoter,
    PersonVillage,
)
from watchd.db.repositories.idempotent import dialect_insert


class AppraisalRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- rounds and cadres -------------------------------------------------------------------------
    def add_round(self, row: AppraisalRound, cadre_ids: Iterable[str]) -> AppraisalRound:
        self.session.add(row)
        self.session.flush()
        self.session.add_all(AppraisalCadre(round_id=row.id, person_id=p) for p in cadre_ids)
        return row

    def round(self, round_id: int, *, for_update: bool = False) -> AppraisalRound | None:
        stmt = select(AppraisalRound).where(AppraisalRound.id == round_id)
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).first()

    def rounds(self) -> Sequence[AppraisalRound]:
        return self.session.scalars(select(AppraisalRound).order_by(AppraisalRound.opens_at.desc())).all()

    def cadre_ids(self, round_id: int) -> list[str]:
        return list(
            self.session.scalars(
                select(AppraisalCadre.person_id)
                .where(AppraisalCadre.round_id == round_id)
                .order_by(AppraisalCadre.person_id)
            )
        )

    def cadres_of_village(self, round_id: int, site_id: str) -> list[str]:
        return list(
            self.session.scalars(
                select(AppraisalCadre.person_id)
                .join(PersonVillage, PersonVillage.person_id == AppraisalCadre.person_id)
                .where(AppraisalCadre.round_id == round_id, PersonVillage.site_id == site_id)
                .order_by(AppraisalCadre.person_id)
            )
        )

    # -- rolls and codes ---------------------------------------------------------------------------
    def roll(self, round_id: int, group: str, *, site_id: str | None = None) -> Sequence[AppraisalRollEntry]:
        stmt = select(AppraisalRollEntry).where(
            AppraisalRollEntry.round_id == round_id, AppraisalRollEntry.rater_group == group
        )
        if site_id is not None:
            stmt = stmt.where(AppraisalRollEntry.site_id == site_id)
        return self.session.scalars(
            stmt.order_by(AppraisalRollEntry.site_id, AppraisalRollEntry.entry_id)
        ).all()

    def roll_counts(self, round_id: int) -> dict[tuple[str, str], tuple[int, int, int]]:
        """(group, village) -> (entries, codes issued, codes used)."""
        rows = self.session.execute(
            select(
                AppraisalRollEntry.rater_group,
                AppraisalRollEntry.site_id,
                func.count(AppraisalRollEntry.id),
                func.count(AppraisalCode.code_hash),
                func.count(AppraisalCode.code_hash).filter(AppraisalCode.used),
            )
            .outerjoin(AppraisalCode, AppraisalCode.roll_id == AppraisalRollEntry.id)
            .where(AppraisalRollEntry.round_id == round_id)
            .group_by(AppraisalRollEntry.rater_group, AppraisalRollEntry.site_id)
        )
        return {(g, s): (int(n), int(issued), int(used)) for g, s, n, issued, used in rows}

    def used_codes(self, round_id: int, group: str) -> int:
        return int(
            self.session.scalar(
                select(func.count(AppraisalCode.code_hash))
                .join(AppraisalRollEntry, AppraisalRollEntry.id == AppraisalCode.roll_id)
                .where(
                    AppraisalRollEntry.round_id == round_id,
                    AppraisalRollEntry.rater_group == group,
                    AppraisalCode.used,
                )
            )
            or 0
        )

    def replace_roll(self, round_id: int, group: str, entries: Sequence[Mapping[str, Any]]) -> None:
        self.session.execute(
            delete(AppraisalRollEntry).where(
                AppraisalRollEntry.round_id == round_id, AppraisalRollEntry.rater_group == group
            )
        )
        if entries:
            self.session.execute(
                AppraisalRollEntry.__table__.insert(),  # type: ignore[attr-defined]
                [{"round_id": round_id, "rater_group": group, **e} for e in entries],
            )

    def codes_of(self, roll_ids: Sequence[int]) -> dict[int, AppraisalCode]:
        if not roll_ids:
            return {}
        rows = self.session.scalars(select(AppraisalCode).where(AppraisalCode.roll_id.in_(roll_ids)))
        return {c.roll_id: c for c in rows}

    def set_code(self, roll_id: int, code_hash: str) -> None:
        self.session.execute(delete(AppraisalCode).where(AppraisalCode.roll_id == roll_id))
        self.session.add(AppraisalCode(code_hash=code_hash, roll_id=roll_id, used=False))

    def code(
        self, code_hash: str, *, for_update: bool = False
    ) -> tuple[AppraisalCode, AppraisalRollEntry] | None:
        stmt = (
            select(AppraisalCode, AppraisalRollEntry)
            .join(AppraisalRollEntry, AppraisalRollEntry.id == AppraisalCode.roll_id)
            .where(AppraisalCode.code_hash == code_hash)
        )
        if for_update:
            stmt = stmt.with_for_update(of=AppraisalCode)
        row = self.session.execute(stmt).first()
        return (row[0], row[1]) if row else None

    def use_code(self, code_hash: str) -> bool:
        """Mark the code used; False when it already was (a concurrent second use)."""
        done = self.session.execute(
            update(AppraisalCode)
            .where(AppraisalCode.code_hash == code_hash, AppraisalCode.used.is_(False))
            .values(used=True)
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]

    # -- login voters ------------------------------------------------------------------------------
    def has_voted(self, round_id: int, person_id: str) -> bool:
        return self.session.get(AppraisalVoter, (round_id, person_id)) is not None

    def voters(self, round_id: int) -> dict[str, int]:
        rows = self.session.execute(
            select(AppraisalVoter.rater_group, func.count())
            .where(AppraisalVoter.round_id == round_id)
            .group_by(AppraisalVoter.rater_group)
        )
        return {g: int(n) for g, n in rows}

    def add_voter(self, round_id: int, person_id: str, group: str) -> None:
        self.session.add(AppraisalVoter(round_id=round_id, person_id=person_id, rater_group=group))

    # -- pool, ballots, tallies, devices -----------------------------------------------------------
    def pool(self, row: AppraisalPooled) -> None:
        self.session.add(row)

    def pooled(self, round_id: int) -> Sequence[AppraisalPooled]:
        return self.session.scalars(select(AppraisalPooled).where(AppraisalPooled.round_id == round_id)).all()

    def pool_size(self, round_id: int) -> int:
        return int(
            self.session.scalar(
                select(func.count()).select_from(AppraisalPooled).where(AppraisalPooled.round_id == round_id)
            )
            or 0
        )

    def store_ballots(
        self, ballots: Sequence[Mapping[str, Any]], scores: Sequence[Mapping[str, Any]]
    ) -> None:
        """Insert in the order given (the caller shuffled it)."""
        if ballots:
            self.session.execute(AppraisalBallot.__table__.insert(), list(ballots))  # type: ignore[attr-defined]
        if scores:
            self.session.execute(AppraisalScore.__table__.insert(), list(scores))  # type: ignore[attr-defined]

    def drop_pooled(self, ids: Sequence[str]) -> None:
        self.session.execute(delete(AppraisalPooled).where(AppraisalPooled.id.in_(list(ids))))

    def ballot_counts(self, round_id: int) -> dict[str, int]:
        """Ballots per group, stored and pooled."""
        out: dict[str, int] = {}
        for model in (AppraisalBallot, AppraisalPooled):
            rows = self.session.execute(
                select(model.rater_group, func.count())
                .where(model.round_id == round_id)
                .group_by(model.rater_group)
            )
            for g, n in rows:
                out[g] = out.get(g, 0) + int(n)
        return out

    def score_sums(self, round_id: int) -> dict[tuple[str, str], tuple[int, int]]:
        """(group, cadre) -> (ballots, total points) over the stored ballots."""
        rows = self.session.execute(
            select(
                AppraisalScore.rater_group,
                AppraisalScore.cadre_id,
                func.count(),
                func.sum(AppraisalScore.points),
            )
            .where(AppraisalScore.round_id == round_id)
            .group_by(AppraisalScore.rater_group, AppraisalScore.cadre_id)
        )
        return {(g, c): (int(n), int(total or 0)) for g, c, n, total in rows}

    def count_ballot(self, round_id: int, minute: datetime) -> None:
        stmt = dialect_insert(self.session, AppraisalTally.__table__).values(
            round_id=round_id, minute=minute, ballots=1
        )
        self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["round_id", "minute"],
                set_={"ballots": AppraisalTally.__table__.c.ballots + 1},
            )
        )

    def tallies(self, round_id: int) -> list[tuple[datetime, int]]:
        rows = self.session.execute(
            select(AppraisalTally.minute, AppraisalTally.ballots).where(AppraisalTally.round_id == round_id)
        )
        return [(m, int(n)) for m, n in rows]

    def count_device(self, round_id: int, fingerprint: str) -> None:
        stmt = dialect_insert(self.session, AppraisalDevice.__table__).values(
            round_id=round_id, fingerprint=fingerprint, codes=1
        )
        self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["round_id", "fingerprint"],
                set_={"codes": AppraisalDevice.__table__.c.codes + 1},
            )
        )

    def device_counts(self, round_id: int) -> list[int]:
        return [
            int(n)
            for n in self.session.scalars(
                select(AppraisalDevice.codes).where(AppraisalDevice.round_id == round_id)
            )
        ]

    def drop_devices(self, round_id: int) -> None:
        self.session.execute(delete(AppraisalDevice).where(AppraisalDevice.round_id == round_id))
