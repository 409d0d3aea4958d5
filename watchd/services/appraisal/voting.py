"""Casting a ballot: by a single-use code (village committee and representatives, households) on the
phone page, or by login (leaders, fellow cadres). Either way one unit of work checks the round is
open, spends the code (or records that the login voted) and puts the ballot into the mixing pool;
nothing in it names the voter. Refused, with nothing changed: an unknown or foreign code, a used code,
a vote before the round opens or after it closed, a cadre not on the voter's sheet, an unknown grade."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from watchd.db.models import AppraisalPooled, AppraisalRound
from watchd.db.repositories.appraisal import AppraisalRepository
from watchd.db.repositories.people import PeopleRepository
from watchd.db.repositories.sites import SitesRepository
from watchd.db.session import Database
from watchd.domain.appraisal import GRADES, GROUP_NAMES, POINTS
from watchd.errors import Conflict, Forbidden, Invalid, NotFound
from watchd.services.appraisal.codes import CodeKey, normalised
from watchd.services.appraisal.mixing import flush_pool
from watchd.services.appraisal.rounds import Rounds, leaders
from watchd.services.appraisal.views import BallotSheet, CadreOnSheet
from watchd.services.auth import Principal
from watchd.services.leave import LEADER_ROLES
from watchd.settings.appraisal import AppraisalSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Device:
    address: str
    user_agent: str


class Voting:
    def __init__(
        self,
        db: Database,
        settings: AppraisalSettings,
        rounds: Rounds,
        key: CodeKey,
        clock: Callable[[], datetime],
    ) -> None:
        self.db = db
        self.settings = settings
        self.rounds = rounds
        self.key = key
        self.clock = clock

    # -- by code -----------------------------------------------------------------------------------
    def sheet_for_code(self, code: str) -> BallotSheet:
        with self.db.read() as s:
            return self._code_sheet(s, code, lock=False)[0]

    def vote_by_code(self, code: str, grades: Mapping[str, str], device: Device) -> None:
        with self.db.unit_of_work() as s:
            sheet, code_hash = self._code_sheet(s, code, lock=True)
            scores = self._scores(sheet, grades)
            repo = AppraisalRepository(s)
            if not repo.use_code(code_hash):
                raise Conflict("appraisal_code_used", "the code was used already")
            self._pool(s, sheet, scores)
            repo.count_device(
                sheet.round_id, self.key.device(sheet.round_id, device.address, device.user_agent)
            )
        self._mix_when_full(sheet.round_id)

    def _code_sheet(self, s: Session, text: str, *, lock: bool) -> tuple[BallotSheet, str]:
        code = normalised(text)
        if code is None:
            raise NotFound("appraisal_code_invalid", "not a code of this server")
        code_hash = self.key.hash(code)
        repo = AppraisalRepository(s)
        found = repo.code(code_hash, for_update=lock)
        if found is None:
            raise NotFound("appraisal_code_invalid", "not a code of this server")
        stored, entry = found
        row = self.rounds.get(s, entry.round_id)
        self._check_open(row)
        if stored.used:
            raise Conflict("appraisal_code_used", "the code was used already")
        village = SitesRepository(s).get_site(entry.site_id)
        cadres = repo.cadres_of_village(row.id, entry.site_id)
        return self._sheet(
            s, row, entry.rater_group, village.name if village else entry.site_id, cadres
        ), code_hash

    # -- by login ----------------------------------------------------------------------------------
    def sheets_for(self, actor: Principal) -> list[BallotSheet]:
        """Open rounds in which this login may still vote."""
        now = self.clock()
        out = []
        with self.db.read() as s:
            for row in AppraisalRepository(s).rounds():
                if row.opens_at <= now < row.closes_at and not AppraisalRepository(s).has_voted(
                    row.id, actor.username
                ):
                    sheet = self._login_sheet(s, row, actor)
                    if sheet is not None:
                        out.append(sheet)
        return out

    def vote_by_login(self, actor: Principal, round_id: int, grades: Mapping[str, str]) -> None:
        with self.db.unit_of_work() as s:
            row = self.rounds.get(s, round_id)
            self._check_open(row)
            sheet = self._login_sheet(s, row, actor)
            if sheet is None:
                raise Forbidden(
                    "appraisal_not_on_roll", f"{actor.username} is on no roll of round {round_id}"
                )
            repo = AppraisalRepository(s)
            if repo.has_voted(round_id, actor.username):
                raise Conflict(
                    "appraisal_already_voted", f"{actor.username} voted in round {round_id} already"
                )
            scores = self._scores(sheet, grades)
            repo.add_voter(round_id, actor.username, sheet.group)
            self._pool(s, sheet, scores)
        self._mix_when_full(round_id)

    def _login_sheet(self, s: Session, row: AppraisalRound, actor: Principal) -> BallotSheet | None:
        person = PeopleRepository(s).get(actor.username)
        if person is None:
            return None
        cadres = AppraisalRepository(s).cadre_ids(row.id)
        if (
            actor.role == "leader"
            and person.role in LEADER_ROLES
            and person.id in leaders(s, row.organisation)
        ):
            return self._sheet(s, row, "leadership", "", cadres)
        if person.id in cadres:
            return self._sheet(s, row, "cadres", "", [c for c in cadres if c != person.id])
        return None

    # -- shared ------------------------------------------------------------------------------------
    def _check_open(self, row: AppraisalRound) -> None:
        now = self.clock()
        if now < row.opens_at:
            raise Conflict("appraisal_not_open", f"round {row.id} opens at {row.opens_at.isoformat()}")
        if now >= row.closes_at:
            raise Conflict("appraisal_closed", f"round {row.id} closed at {row.closes_at.isoformat()}")

    def _sheet(
        self, s: Session, row: AppraisalRound, group: str, village: str, cadres: list[str]
    ) -> BallotSheet:
        people = PeopleRepository(s).many(cadres)
        return BallotSheet(
            round_id=row.id,
            round_name=row.name,
            group=group,
            group_name=GROUP_NAMES[group],
            village_name=village,
            closes_at=row.closes_at,
            cadres=[CadreOnSheet(c, people[c].name if c in people else c) for c in cadres],
            grades={k: name for k, (name, _) in GRADES.items()},
        )

    def _scores(self, sheet: BallotSheet, grades: Mapping[str, str]) -> dict[str, int]:
        allowed = {c.id for c in sheet.cadres}
        foreign = sorted(set(grades) - allowed)
        if foreign:
            raise Invalid(
                "appraisal_not_on_sheet", f"not on this ballot: {', '.join(foreign)}", cadres=foreign
            )
        bad = sorted(c for c, g in grades.items() if g not in POINTS)
        if bad:
            raise Invalid("appraisal_bad_grade", f"unknown grade for {', '.join(bad)}", cadres=bad)
        if not grades:
            raise Invalid("appraisal_empty_ballot", "rate at least one cadre")
        return {c: POINTS[g] for c, g in grades.items()}

    def _pool(self, s: Session, sheet: BallotSheet, scores: dict[str, int]) -> None:
        repo = AppraisalRepository(s)
        repo.pool(
            AppraisalPooled(
                id=secrets.token_hex(16), round_id=sheet.round_id, rater_group=sheet.group, scores=scores
            )
        )
        repo.count_ballot(sheet.round_id, self.clock().replace(second=0, microsecond=0))

    def _mix_when_full(self, round_id: int) -> None:
        with self.db.unit_of_work() as s:
            if AppraisalRepository(s).pool_size(round_id) >= self.settings.mix_batch:
                flush_pool(s, round_id)
