"""The appraisal service: rounds, rolls, codes, voting, results, behind the one object the rest of
watchd holds."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

from watchd.alerts.secret_key import load_secret_key
from watchd.db.repositories.people import PeopleRepository
from watchd.db.session import Database
from watchd.services.appraisal.codes import CodeKey
from watchd.services.appraisal.issuing import CodeTexts, Issuing
from watchd.services.appraisal.results import Results
from watchd.services.appraisal.rolls import RollReport, Rolls
from watchd.services.appraisal.rounds import NewRound, Rounds
from watchd.services.appraisal.views import BallotSheet, RoundResults, RoundView, Slip
from watchd.services.appraisal.voting import Device, Voting
from watchd.services.auth import Principal
from watchd.services.leave import visible_people
from watchd.settings.root import Settings


class WorkLogCompletion(Protocol):
    """The share (0..1) of workdays each person wrote a daily work log in [first, last]; people without
    a figure are left out. Provided by the work log (issue 17 part 1); without one the sheet shows —."""

    def completion(self, person_ids: Sequence[str], first: date, last: date) -> Mapping[str, float]: ...


class AppraisalService:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        data_dir: Path,
        clock: Callable[[], datetime],
        *,
        texts: CodeTexts | None = None,
        worklog: WorkLogCompletion | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.worklog = worklog
        key = CodeKey(load_secret_key(data_dir))
        self.round_desk = Rounds(db, settings.appraisal, settings.zone, clock)
        self.roll_desk = Rolls(db, self.round_desk, clock)
        self.issuer = Issuing(db, self.round_desk, key, clock, texts)
        self.voting = Voting(db, settings.appraisal, self.round_desk, key, clock)
        self.result_desk = Results(db, self.round_desk)

    # -- rounds, rolls, codes ----------------------------------------------------------------------
    def create_round(self, actor: Principal, new: NewRound) -> RoundView:
        return self.round_desk.create(actor, new)

    def rounds(self) -> list[RoundView]:
        return self.round_desk.rounds()

    def round(self, round_id: int) -> RoundView:
        return self.round_desk.view(round_id)

    def import_roll(self, round_id: int, group: str, filename: str, data: bytes) -> RollReport:
        return self.roll_desk.import_roll(round_id, group, filename, data)

    def slips(
        self, round_id: int, group: str, base_url: str, *, village: str | None = None, reissue: bool = False
    ) -> list[Slip]:
        return self.issuer.slips(round_id, group, base_url, village=village, reissue=reissue)

    def send_texts(self, round_id: int, group: str, base_url: str) -> int:
        return self.issuer.send_texts(round_id, group, base_url, self.settings.township)

    # -- voting ------------------------------------------------------------------------------------
    def sheet_for_code(self, code: str) -> BallotSheet:
        return self.voting.sheet_for_code(code)

    def vote_by_code(self, code: str, grades: Mapping[str, str], device: Device) -> None:
        self.voting.vote_by_code(code, grades, device)

    def sheets_for(self, actor: Principal) -> list[BallotSheet]:
        return self.voting.sheets_for(actor)

    def vote_by_login(self, actor: Principal, round_id: int, grades: Mapping[str, str]) -> None:
        self.voting.vote_by_login(actor, round_id, grades)

    # -- results -----------------------------------------------------------------------------------
    def results(self, round_id: int, actor: Principal | None = None) -> RoundResults:
        """Every cadre's result; a leader sees the cadres of their organisation."""
        person_ids = None
        if actor is not None:
            with self.db.read() as s:
                person_ids = visible_people(PeopleRepository(s), actor)
        return self.result_desk.results(round_id, person_ids=person_ids)
