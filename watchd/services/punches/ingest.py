"""Punches from vendor terminals: stored exactly once, mapped to people, counted as check-ins.

Every punch is first stored as a raw punch under its natural key (device serial, device user,
device-local time), in the same transaction as the driver's new read position; a restart, a
re-read of a whole device log or an ADMS re-upload therefore changes nothing. A punch whose time
cannot be right is quarantined. A punch of a mapped device user becomes a check-in through
`CheckinService.record` with a key derived from the natural key; its raw row is marked counted
afterwards, and a crash between the two only leaves it pending, to be finished at the next ingest
or start (the check-in key makes the second attempt a no-op).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from devices.contracts import CheckIn
from devices.terminal import (
    RAW_CURSOR,
    RAW_DEVICE_TIME,
    RAW_SERIAL,
    RAW_SKEW,
    RAW_SOURCE,
    RAW_STATE,
    RAW_TIME_ERROR,
    RAW_USER_NAME,
    RAW_VERIFY,
    WallTime,
)
from watchd.db.repositories.people import PeopleRepository
from watchd.db.repositories.punches import Outcome, PunchesRepository
from watchd.db.repositories.sites import SitesRepository
from watchd.db.repositories.terminal_users import ALL_TERMINALS, TerminalUsersRepository
from watchd.db.repositories.terminals import TerminalStatesRepository
from watchd.db.session import Database
from watchd.domain.punches import Mapping, PunchRules, PunchState, checkin_key, judge_time, resolve_person
from watchd.errors import NotFound, ServiceError
from watchd.services.checkins import CheckinService, NewCheckin
from watchd.services.punches.views import IngestReport
from watchd.settings.root import Settings

log = logging.getLogger(__name__)
PENDING_BATCH = 200
MAX_TEXT = 64
COUNT_WORKERS = 4  # parallel check-in writers on PostgreSQL


@dataclass(frozen=True, slots=True)
class _Pending:
    id: int
    serial: str
    device_user: str
    device_time: str
    person_id: str | None
    device_id: str
    occurred_at: datetime | None
    reason: str | None


class PunchIngest:
    def __init__(
        self, db: Database, settings: Settings, checkins: CheckinService, clock: Callable[[], datetime]
    ) -> None:
        self.db = db
        self.checkins = checkins
        self.clock = clock
        t = settings.terminals
        self.rules = PunchRules(max_future=timedelta(minutes=t.max_future_minutes), max_age=timedelta(days=t.max_age_days))
        self.match_person_id = t.match_person_id

    def ingest(
        self, device_id: str, events: Sequence[CheckIn], *, position: str | None = None,
        synced_at: datetime | None = None,
    ) -> IngestReport:
        """Store a batch from one device (and its new position) once; count the mapped punches.

        `synced_at`: everything the device recorded before it is now stored; it becomes the device's
        `last_contact_at`, the watermark attendance settlement waits for.
        """
        now = self.clock()
        rows: dict[tuple[str, str, str], dict[str, object]] = {}
        for event in events:
            row = _row(device_id, event, now)
            rows.setdefault((str(row["serial"]), str(row["device_user"]), str(row["device_time"])), row)
        quarantined = 0
        with self.db.unit_of_work() as s:
            if SitesRepository(s).get_device(device_id) is None:
                raise NotFound("device_not_found", f"no device {device_id!r}")
            self._classify(s, device_id, list(rows.values()))
            quarantined = sum(1 for r in rows.values() if r["state"] == PunchState.quarantined)
            inserted = PunchesRepository(s).insert_new(list(rows.values()))
            state = TerminalStatesRepository(s).state(device_id)
            if synced_at is not None:
                state.last_contact_at = max(synced_at, state.last_contact_at or synced_at)
            if position is not None:
                state.position = position[:200]
        if inserted:
            log.info(
                "device %s: %d new punches stored (%d already stored, %d quarantined)",
                device_id, len(inserted), len(rows) - len(inserted), quarantined,
            )
        counted = self.process_pending(device_id)
        return IngestReport(len(events), len(inserted), quarantined, counted)

    def _classify(self, s: Session, device_id: str, rows: list[dict[str, object]]) -> None:
        """Set each row's starting state: quarantined, or by the mapping (pending, unmapped, ignored)."""
        now = self.clock()
        users = {str(r["device_user"]) for r in rows}
        maps = TerminalUsersRepository(s).maps_for([device_id], users)
        people = PeopleRepository(s).active_ids(users) if self.match_person_id else set()
        for r in rows:
            occurred = r["occurred_at"]
            problem = judge_time(occurred if isinstance(occurred, datetime) else None, now=now, rules=self.rules)
            if problem is not None:
                r["state"], r["reason"] = PunchState.quarantined.value, problem.value
                continue
            user = str(r["device_user"])
            state, person = self.resolve(maps, str(r["device_id"]), user, user in people)
            r["state"], r["person_id"] = state.value, person

    def resolve(
        self, maps: dict[tuple[str, str], str | None], device_id: str, user: str, person_exists: bool
    ) -> tuple[PunchState, str | None]:
        """Whose punch this is, by the device's own mapping, the mapping for every terminal, or the id."""
        own = (device_id, user)
        shared = (ALL_TERMINALS, user)
        return resolve_person(
            user,
            device_map=Mapping(maps[own]) if own in maps else None,
            shared_map=Mapping(maps[shared]) if shared in maps else None,
            person_exists=person_exists,
            match_person_id=self.match_person_id,
        )

    def resolve_user(self, s: Session, device_ids: set[str], device_user: str) -> Callable[[str], tuple[PunchState, str | None]]:
        """`resolve` for one device user's punches on these devices, the mapping read once."""
        maps = TerminalUsersRepository(s).maps_for(device_ids, [device_user])
        exists = bool(PeopleRepository(s).active_ids([device_user])) if self.match_person_id else False
        return lambda device_id: self.resolve(maps, device_id, device_user, exists)

    def process_pending(self, device_id: str | None = None) -> int:
        """Write the check-ins of mapped punches not yet counted (also what a crash left behind)."""
        done = 0
        while True:
            with self.db.read() as s:
                batch = [
                    _Pending(p.id, p.serial, p.device_user, p.device_time, p.person_id, p.device_id, p.occurred_at, p.reason)
                    for p in PunchesRepository(s).pending(device_id, PENDING_BATCH)
                ]
            if not batch:
                return done
            outcomes = self._count_all(batch)
            with self.db.unit_of_work() as s:
                PunchesRepository(s).set_outcomes(outcomes)
            done += sum(1 for o in outcomes if o.state == PunchState.counted)

    def _count_all(self, batch: list[_Pending]) -> list[Outcome]:
        """Check-ins for a batch. On PostgreSQL several people are written in parallel; one person's
        punches always in order by one thread, so the repeat window is never raced."""
        by_person: dict[str | None, list[_Pending]] = {}
        for p in batch:
            by_person.setdefault(p.person_id, []).append(p)
        groups = list(by_person.values())
        if self.db.dialect != "postgresql" or len(groups) < 2:
            return [self._count(p) for group in groups for p in group]
        with ThreadPoolExecutor(max_workers=min(COUNT_WORKERS, len(groups)), thread_name_prefix="punches") as pool:
            results = pool.map(lambda group: [self._count(p) for p in group], groups)
            return [o for chunk in results for o in chunk]

    def _count(self, p: _Pending) -> Outcome:
        if p.person_id is None or p.occurred_at is None:
            return Outcome(p.id, PunchState.unmapped.value, "no_person")
        try:
            outcome = self.checkins.record(
                NewCheckin(
                    key=checkin_key(p.serial, p.device_user, p.device_time), person_id=p.person_id,
                    device_id=p.device_id, occurred_at=p.occurred_at, method="terminal", liveness="terminal",
                )
            )
        except ServiceError as exc:
            log.warning("punch %d of %s on %s not counted: %s", p.id, p.device_user, p.device_id, exc.message)
            return Outcome(p.id, PunchState.unmapped.value, exc.code[:40])
        reason = "repeat" if outcome.status != "accepted" else p.reason
        return Outcome(p.id, PunchState.counted.value, reason, p.person_id, outcome.checkin.id)


def _row(device_id: str, event: CheckIn, now: datetime) -> dict[str, object]:
    raw = event.raw
    device_time = raw.get(RAW_DEVICE_TIME) or WallTime.of(event.occurred_at).text
    occurred_at: datetime | None = None if RAW_TIME_ERROR in raw else event.occurred_at
    return {
        "device_id": device_id,
        "serial": (raw.get(RAW_SERIAL) or device_id)[:MAX_TEXT],
        "device_user": event.subject_ref.strip()[:MAX_TEXT],
        "device_time": device_time[:19],
        "occurred_at": occurred_at,
        "received_at": now,
        "skew_seconds": _float(raw.get(RAW_SKEW)),
        "cursor": _int(raw.get(RAW_CURSOR)),
        "source": (raw.get(RAW_SOURCE) or "terminal")[:20],
        "verify": (raw.get(RAW_VERIFY) or event.method)[:20],
        "attendance_state": _text(raw.get(RAW_STATE), 20),
        "user_name": _text(raw.get(RAW_USER_NAME), MAX_TEXT),
        "state": PunchState.pending.value,
        "reason": None,
        "person_id": None,
        "checkin_id": None,
    }


def _text(value: str | None, limit: int) -> str | None:
    value = (value or "").strip()
    return value[:limit] or None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None
