"""Whose punches these are: mapping device users to people (on one terminal or on every terminal),
the device users nobody mapped, and the review of stored punches (releasing a quarantined one).

Unmapped device users are kept and listed; mapping them later counts their stored punches.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from watchd.db.repositories.people import PeopleRepository
from watchd.db.repositories.punches import Outcome, PunchesRepository
from watchd.db.repositories.terminal_users import ALL_TERMINALS, TerminalUsersRepository
from watchd.db.session import Database
from watchd.domain.punches import PunchState, Quarantine
from watchd.errors import Conflict, Invalid, NotFound
from watchd.services.punches.ingest import MAX_TEXT, PunchIngest
from watchd.services.punches.terminals import TerminalStates
from watchd.services.punches.views import MappingResult, MappingView, PunchView, UnknownUser

log = logging.getLogger(__name__)


class PunchMapping:
    def __init__(
        self, db: Database, clock: Callable[[], datetime], ingest: PunchIngest, terminals: TerminalStates
    ) -> None:
        self.db = db
        self.clock = clock
        self.ingest = ingest
        self.terminals = terminals

    # -- the mapping -------------------------------------------------------------------------------
    def mappings(self) -> list[MappingView]:
        with self.db.read() as s:
            return [MappingView.of(m, name) for m, name in TerminalUsersRepository(s).list_maps()]

    def set_mapping(self, device_id: str, device_user: str, person_id: str | None) -> MappingResult:
        """Map a device user (on one terminal, or on all with '*') to a person, or to nobody (ignore)."""
        device_user = _check_user(device_user)
        self._check_scope(device_id)
        with self.db.unit_of_work() as s:
            if person_id is not None and not PeopleRepository(s).active_ids([person_id]):
                raise NotFound("person_not_found", f"no person {person_id!r}")
            TerminalUsersRepository(s).set_map(device_id, device_user, person_id, self.clock())
        log.info("device user %s on %s mapped to %s", device_user, device_id, person_id or "(ignored)")
        recounted = self._remap(device_id, device_user)
        return MappingResult(self._mapping(device_id, device_user), recounted)

    def delete_mapping(self, device_id: str, device_user: str) -> None:
        with self.db.unit_of_work() as s:
            if not TerminalUsersRepository(s).delete_map(device_id, device_user):
                raise NotFound("mapping_not_found", f"no mapping for {device_user!r} on {device_id!r}")
        log.info("mapping of device user %s on %s deleted", device_user, device_id)
        self._remap(device_id, device_user)

    def _mapping(self, device_id: str, device_user: str) -> MappingView:
        for m in self.mappings():
            if m.device_id == device_id and m.device_user == device_user:
                return m
        raise NotFound("mapping_not_found", f"no mapping for {device_user!r} on {device_id!r}")

    def _remap(self, scope: str, device_user: str) -> int:
        """Re-resolve the stored unmapped/ignored punches of a device user; count those now mapped."""
        with self.db.unit_of_work() as s:
            repo = PunchesRepository(s)
            rows = repo.of_user(
                device_user, device_id=None if scope == ALL_TERMINALS else scope,
                states=(PunchState.unmapped.value, PunchState.ignored.value),
            )
            resolve = self.ingest.resolve_user(s, {r.device_id for r in rows}, device_user)
            outcomes = []
            for r in rows:
                state, person = resolve(r.device_id)
                if state.value != r.state or person != r.person_id:
                    outcomes.append(Outcome(r.id, state.value, None, person))
            repo.set_outcomes(outcomes)
        return self.ingest.process_pending()

    def _check_scope(self, device_id: str) -> None:
        if device_id != ALL_TERMINALS:
            self.terminals.terminal_config(device_id)

    def unknown_users(self) -> list[UnknownUser]:
        with self.db.read() as s:
            return [
                UnknownUser(r.device_id, r.device_user, r.user_name, r.punches, r.first_time, r.last_time)
                for r in PunchesRepository(s).unknown_users()
            ]

    # -- review ------------------------------------------------------------------------------------
    def punches(
        self, *, state: str | None = None, device_id: str | None = None, device_user: str | None = None,
        limit: int = 200, offset: int = 0,
    ) -> list[PunchView]:
        if state is not None and state not in PunchState.__members__:
            raise Invalid("bad_state", f"state must be one of {sorted(PunchState.__members__)}")
        with self.db.read() as s:
            rows = PunchesRepository(s).search(
                state=state, device_id=device_id, device_user=device_user, limit=limit, offset=offset
            )
            return [PunchView.of(r) for r in rows]

    def release(self, punch_id: int) -> PunchView:
        """Count a quarantined punch after review (its device time was right after all)."""
        with self.db.unit_of_work() as s:
            repo = PunchesRepository(s)
            row = repo.get(punch_id)
            if row is None:
                raise NotFound("punch_not_found", f"no punch {punch_id}")
            if row.state != PunchState.quarantined:
                raise Conflict("not_quarantined", f"punch {punch_id} is {row.state}, not quarantined")
            if row.occurred_at is None or row.reason == Quarantine.bad_time:
                raise Invalid("bad_time", f"punch {punch_id} has no real time ({row.device_time})")
            state, person = self.ingest.resolve_user(s, {row.device_id}, row.device_user)(row.device_id)
            repo.set_outcomes([Outcome(row.id, state.value, "released", person)])
        log.info("quarantined punch %d released for counting", punch_id)
        self.ingest.process_pending(None)
        with self.db.read() as s:
            got = PunchesRepository(s).get(punch_id)
            assert got is not None
            return PunchView.of(got)


def _check_user(device_user: str) -> str:
    device_user = device_user.strip()
    if not device_user or len(device_user) > MAX_TEXT:
        raise Invalid("bad_device_user", f"a device user id has 1 to {MAX_TEXT} characters")
    return device_user
