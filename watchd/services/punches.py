"""Punches from vendor terminals: stored exactly once, mapped to people, counted as check-ins.

Every punch is first stored as a raw punch under its natural key (device serial, device user,
device-local time), in the same transaction as the driver's new read position; a restart, a
re-read of a whole device log or an ADMS re-upload therefore changes nothing. A punch whose time
cannot be right is quarantined. A punch of a mapped device user becomes a check-in through
`CheckinService.record` with a key derived from the natural key; its raw row is marked counted
afterwards, and a crash between the two only leaves it pending, to be finished at the next ingest
or start (the check-in key makes the second attempt a no-op). Unmapped device users are kept and
listed; mapping them later counts their stored punches.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from devices.contracts import CheckIn, DeviceAuthError, DeviceError, DeviceInfo
from devices.registry import AnyDeviceConfig, create_driver
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
from watchd.db.models import RawPunch, TerminalState, TerminalUserMap
from watchd.db.repositories.people import PeopleRepository
from watchd.db.repositories.punches import Outcome, PunchesRepository
from watchd.db.repositories.sites import SitesRepository
from watchd.db.repositories.terminal_users import ALL_TERMINALS, TerminalUsersRepository
from watchd.db.repositories.terminals import TerminalStatesRepository
from watchd.db.session import Database
from watchd.domain.punches import (
    Mapping,
    PunchRules,
    PunchState,
    Quarantine,
    checkin_key,
    is_online,
    judge_time,
    resolve_person,
)
from watchd.errors import Conflict, Invalid, NotFound, ServiceError
from watchd.services.checkins import CheckinService, NewCheckin
from watchd.settings.root import Settings

log = logging.getLogger(__name__)
TERMINAL_KINDS = frozenset({"zkteco", "zkteco_adms", "hikvision", "fake_terminal"})
PENDING_BATCH = 200
MAX_TEXT = 64
PROBE_TIMEOUT_S = 30.0
MAX_UNKNOWN_SERIALS = 100
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


@dataclass(frozen=True, slots=True)
class IngestReport:
    received: int
    stored: int  # new raw punches (the rest were already stored)
    quarantined: int
    counted: int  # check-ins written or matched for pending punches


@dataclass(frozen=True, slots=True)
class StatusChange:
    device_id: str
    site_id: str
    online: bool
    at: datetime
    detail: str
    was: bool | None  # the state before (None: never known)

    @property
    def recovery_or_failure(self) -> bool:
        """Worth an observation: going offline, or coming back after being offline (not the first "online")."""
        return not self.online or self.was is False


@dataclass(frozen=True, slots=True)
class PunchView:
    id: int
    device_id: str
    serial: str
    device_user: str
    user_name: str | None
    device_time: str
    occurred_at: datetime | None
    received_at: datetime
    skew_seconds: float | None
    cursor: int | None
    source: str
    verify: str | None
    attendance_state: str | None
    state: str
    reason: str | None
    person_id: str | None
    checkin_id: int | None


@dataclass(frozen=True, slots=True)
class MappingView:
    device_id: str  # a device id, or '*' for every terminal
    device_user: str
    person_id: str | None  # None: the device user is ignored
    person_name: str | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class MappingResult:
    mapping: MappingView
    recounted: int  # stored punches of this device user that now count


@dataclass(frozen=True, slots=True)
class UnknownUser:
    device_id: str
    device_user: str
    user_name: str | None
    punches: int
    first_time: str
    last_time: str


@dataclass(frozen=True, slots=True)
class UnknownSerial:
    serial: str
    address: str
    calls: int
    last_call_at: datetime


@dataclass(frozen=True, slots=True)
class TerminalView:
    device_id: str
    kind: str
    site_id: str
    name: str
    enabled: bool
    serial: str | None
    model: str | None
    firmware: str | None
    probed_at: datetime | None
    skew_seconds: float | None
    online: bool | None
    changed_at: datetime | None
    detail: str
    last_contact_at: datetime | None
    position: str | None
    punches: dict[str, int]


@dataclass(frozen=True, slots=True)
class ProbeView:
    device_id: str
    serial: str
    model: str
    firmware: str
    clock: datetime | None
    skew_seconds: float | None


class PunchService:
    def __init__(
        self, db: Database, settings: Settings, checkins: CheckinService, clock: Callable[[], datetime]
    ) -> None:
        self.db = db
        self.settings = settings
        self.checkins = checkins
        self.clock = clock
        t = settings.terminals
        self.rules = PunchRules(max_future=timedelta(minutes=t.max_future_minutes), max_age=timedelta(days=t.max_age_days))
        self.match_person_id = t.match_person_id
        self.devices: dict[str, AnyDeviceConfig] = {d.id: d for d in settings.devices}
        # ADMS calls from unregistered serials since start: serial -> (logged at, address, calls, last call)
        self._unknown_serials: dict[str, tuple[datetime, str, int, datetime]] = {}

    # -- ingest -------------------------------------------------------------------------------
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
            row = self._row(device_id, event, now)
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

    def _row(self, device_id: str, event: CheckIn, now: datetime) -> dict[str, object]:
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
            state, person = self._resolve(maps, str(r["device_id"]), user, user in people)
            r["state"], r["person_id"] = state.value, person

    def _resolve(
        self, maps: dict[tuple[str, str], str | None], device_id: str, user: str, person_exists: bool
    ) -> tuple[PunchState, str | None]:
        own = (device_id, user)
        shared = (ALL_TERMINALS, user)
        return resolve_person(
            user,
            device_map=Mapping(maps[own]) if own in maps else None,
            shared_map=Mapping(maps[shared]) if shared in maps else None,
            person_exists=person_exists,
            match_person_id=self.match_person_id,
        )

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

    # -- device state -------------------------------------------------------------------------
    def position(self, device_id: str) -> str | None:
        with self.db.read() as s:
            row = TerminalStatesRepository(s).find_state(device_id)
            return row.position if row else None

    def device_seen(self, device_id: str, info: DeviceInfo, *, skew_s: float | None) -> None:
        """What a probe found; logged when the identity changes or the clock is far off."""
        now = self.clock()
        with self.db.unit_of_work() as s:
            row = TerminalStatesRepository(s).state(device_id)
            if row.serial and row.serial != info.serial:
                log.warning("device %s now reports serial %s (was %s)", device_id, info.serial, row.serial)
            row.serial, row.model, row.firmware = info.serial[:64], info.model[:100], info.firmware[:100]
            row.probed_at, row.skew_seconds = now, skew_s
        if skew_s is not None and abs(skew_s) > self.rules.max_future.total_seconds():
            log.warning("device %s: clock off by %.0f s", device_id, skew_s)

    def device_status(self, device_id: str, *, online: bool, at: datetime, detail: str = "") -> StatusChange | None:
        """Record a driver's online/offline report; the change when it is a transition, else None."""
        with self.db.unit_of_work() as s:
            if SitesRepository(s).get_device(device_id) is None:
                return None
            row = TerminalStatesRepository(s).state(device_id)
            was = row.online
            if was is online:
                return None
            row.online, row.changed_at, row.detail = online, at, detail[:300]
        return StatusChange(device_id, self._site(device_id), online, at, detail, was)

    def device_contact(
        self, device_id: str, *, timeout_s: int, serial: str | None = None, firmware: str | None = None
    ) -> None:
        """A push device called (with Realtime=1 it has uploaded what it held). Its online/offline
        transitions are found by `sweep_presence`."""
        now = self.clock()
        with self.db.unit_of_work() as s:
            row = TerminalStatesRepository(s).state(device_id)
            row.last_contact_at, row.presence_timeout_s = now, timeout_s
            if serial:
                row.serial = serial[:64]
            if firmware:
                row.firmware = firmware[:100]

    def note_unknown_serial(self, serial: str, address: str | None) -> bool:
        """An ADMS call from a serial number nobody registered; True the first time in an hour (log it then)."""
        now = self.clock()
        key = serial[:64]
        first = key not in self._unknown_serials or now - self._unknown_serials[key][0] > timedelta(hours=1)
        seen_at = now if first else self._unknown_serials[key][0]
        count = 1 if key not in self._unknown_serials else self._unknown_serials[key][2] + 1
        if len(self._unknown_serials) < MAX_UNKNOWN_SERIALS or key in self._unknown_serials:
            self._unknown_serials[key] = (seen_at, address or "", count, now)
        return first

    def unknown_serials(self) -> list[UnknownSerial]:
        return [
            UnknownSerial(serial, address, count, last)
            for serial, (_first, address, count, last) in sorted(self._unknown_serials.items())
        ]

    def sweep_presence(self) -> list[StatusChange]:
        """Push devices silent for longer than their timeout go offline (once per transition)."""
        now = self.clock()
        changes: list[StatusChange] = []
        with self.db.unit_of_work() as s:
            for row in TerminalStatesRepository(s).push_states():
                timeout = timedelta(seconds=row.presence_timeout_s or 0)
                online = is_online(row.last_contact_at, now=now, timeout=timeout)
                if row.online is online:
                    continue
                detail = "" if online else f"no contact for more than {int(timeout.total_seconds())} s"
                was = row.online
                row.online, row.changed_at, row.detail = online, now, detail
                changes.append(StatusChange(row.device_id, self._site(row.device_id), online, now, detail, was))
        for c in changes:
            if c.online:
                log.info("push device %s is online", c.device_id)
            else:
                log.warning("push device %s is offline: %s", c.device_id, c.detail)
        return changes

    def _site(self, device_id: str) -> str:
        config = self.devices.get(device_id)
        return config.site if config else ""

    # -- probing ------------------------------------------------------------------------------
    async def probe(self, device_id: str) -> ProbeView:
        """Ask a pull terminal who it is (serial, model, firmware, clock) before relying on it."""
        config = self.devices.get(device_id)
        if config is None or config.kind not in TERMINAL_KINDS:
            raise NotFound("device_not_found", f"no terminal {device_id!r}")
        driver = create_driver(config)
        if driver is None:
            raise Invalid("probe_unsupported", f"device {device_id!r} calls watchd; it cannot be probed")
        try:
            info = await asyncio.wait_for(driver.probe(), timeout=PROBE_TIMEOUT_S)
        except DeviceAuthError as exc:
            raise ProbeFailed("device_auth_failed", str(exc)) from None
        except DeviceError as exc:
            raise ProbeFailed("device_unreachable", str(exc)) from None
        except TimeoutError:
            raise ProbeFailed("device_unreachable", f"no answer within {PROBE_TIMEOUT_S:.0f} s") from None
        now = self.clock()
        skew = round((info.clock - now).total_seconds(), 3) if info.clock else None
        await asyncio.to_thread(self.device_seen, device_id, info, skew_s=skew)
        return ProbeView(device_id, info.serial, info.model, info.firmware, info.clock, skew)

    # -- mapping ------------------------------------------------------------------------------
    def mappings(self) -> list[MappingView]:
        with self.db.read() as s:
            return [_mapping_view(m, name) for m, name in TerminalUsersRepository(s).list_maps()]

    def set_mapping(self, device_id: str, device_user: str, person_id: str | None) -> MappingResult:
        """Map a device user (on one terminal, or on all with '*') to a person, or to nobody (ignore)."""
        device_user = self._check_user(device_user)
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
            maps = TerminalUsersRepository(s).maps_for({r.device_id for r in rows}, [device_user])
            exists = bool(PeopleRepository(s).active_ids([device_user])) if self.match_person_id else False
            outcomes = []
            for r in rows:
                state, person = self._resolve(maps, r.device_id, device_user, exists)
                if state.value != r.state or person != r.person_id:
                    outcomes.append(Outcome(r.id, state.value, None, person))
            repo.set_outcomes(outcomes)
        return self.process_pending()

    def _check_scope(self, device_id: str) -> None:
        if device_id == ALL_TERMINALS:
            return
        config = self.devices.get(device_id)
        if config is None or config.kind not in TERMINAL_KINDS:
            raise NotFound("device_not_found", f"no terminal {device_id!r}")

    @staticmethod
    def _check_user(device_user: str) -> str:
        device_user = device_user.strip()
        if not device_user or len(device_user) > MAX_TEXT:
            raise Invalid("bad_device_user", f"a device user id has 1 to {MAX_TEXT} characters")
        return device_user

    def unknown_users(self) -> list[UnknownUser]:
        with self.db.read() as s:
            return [
                UnknownUser(r.device_id, r.device_user, r.user_name, r.punches, r.first_time, r.last_time)
                for r in PunchesRepository(s).unknown_users()
            ]

    # -- review -------------------------------------------------------------------------------
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
            return [_punch_view(r) for r in rows]

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
            maps = TerminalUsersRepository(s).maps_for([row.device_id], [row.device_user])
            exists = bool(PeopleRepository(s).active_ids([row.device_user])) if self.match_person_id else False
            state, person = self._resolve(maps, row.device_id, row.device_user, exists)
            repo.set_outcomes([Outcome(row.id, state.value, "released", person)])
        log.info("quarantined punch %d released for counting", punch_id)
        self.process_pending(None)
        with self.db.read() as s:
            got = PunchesRepository(s).get(punch_id)
            assert got is not None
            return _punch_view(got)

    def terminals(self) -> list[TerminalView]:
        with self.db.read() as s:
            states, counts = TerminalStatesRepository(s).states(), PunchesRepository(s).counts()
            devices = SitesRepository(s).list_devices()
            return [
                _terminal_view(d.id, d.kind, d.site_id, d.name, d.enabled, states.get(d.id), counts.get(d.id, {}))
                for d in devices
                if d.kind in TERMINAL_KINDS
            ]


class ProbeFailed(ServiceError):
    status = 502


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


def _mapping_view(m: TerminalUserMap, name: str | None) -> MappingView:
    return MappingView(m.scope, m.device_user, m.person_id, name, m.updated_at)


def _punch_view(r: RawPunch) -> PunchView:
    return PunchView(
        r.id, r.device_id, r.serial, r.device_user, r.user_name, r.device_time, r.occurred_at, r.received_at,
        r.skew_seconds, r.cursor, r.source, r.verify, r.attendance_state, r.state, r.reason, r.person_id, r.checkin_id,
    )


def _terminal_view(
    device_id: str, kind: str, site_id: str, name: str, enabled: bool, st: TerminalState | None, counts: dict[str, int]
) -> TerminalView:
    return TerminalView(
        device_id=device_id, kind=kind, site_id=site_id, name=name, enabled=enabled,
        serial=st.serial if st else None, model=st.model if st else None, firmware=st.firmware if st else None,
        probed_at=st.probed_at if st else None, skew_seconds=st.skew_seconds if st else None,
        online=st.online if st else None, changed_at=st.changed_at if st else None, detail=st.detail if st else "",
        last_contact_at=st.last_contact_at if st else None, position=st.position if st else None, punches=counts,
    )
