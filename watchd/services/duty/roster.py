"""The duty roster as read: rooms, shifts after swaps, and the one answer to "who is on duty now".

Everything that needs to know who is on duty asks this: the duty-room watch (is the person at the
desk the rostered one?), escalation (`RosterOnCall`, the leader on duty), leave and attendance
(`on_duty(person, day)`, the `DutyCalendar` protocol), the dashboard and the duty log. A month of
the roster is cached briefly (attendance asks day by day); edits and swaps call `changed()`.
"""

from __future__ import annotations

import threading
import time as monotonic_time
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from watchd.alerts.oncall import Contact
from watchd.db.models import DutySwap, Person
from watchd.db.repositories.duty import DutyRepository
from watchd.db.repositories.people import PeopleRepository
from watchd.db.session import Database
from watchd.domain.duty import (
    Assignment,
    DutyRefused,
    DutyRole,
    OnDuty,
    Roster,
    ShiftClock,
    Swap,
    SwapStatus,
    build_roster,
    on_duty_at,
    room_for_site,
)
from watchd.errors import Conflict, Invalid, NotFound, ServiceError
from watchd.services.duty.views import OnDutyView, PersonRef, RoomView, ShiftView
from watchd.settings.root import Settings
from watchd.settings.sites import SiteKind

CACHE_SECONDS = 30.0
MAX_RANGE_DAYS = 400


def refused(exc: DutyRefused) -> ServiceError:
    cls = Conflict if exc.code in {"roster_double_booked", "swap_target_busy", "swap_already_decided"} else Invalid
    return cls(exc.code, exc.message, **exc.details)


def swap_of(row: DutySwap) -> Swap:
    return Swap(
        id=row.id, room_id=row.room_id, day=row.day, role=DutyRole(row.role), from_person=row.from_person,
        to_person=row.to_person, back_day=row.back_day, status=SwapStatus(row.status), decided_at=row.decided_at,
    )


def check_people(s: Session, ids: Sequence[str]) -> dict[str, Person]:
    """The people, each of whom must exist and not be deleted."""
    found = PeopleRepository(s).many(ids)
    for pid in ids:
        person = found.get(pid)
        if person is None or person.deleted_at is not None:
            raise NotFound("person_not_found", f"no person {pid!r}", person_id=pid)
    return found


class DutyRoster:
    def __init__(self, db: Database, settings: Settings, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.settings = settings
        self.config = settings.duty
        self.zone = settings.zone
        self.clock = clock
        self.shifts = ShiftClock(self.config.shift_start, self.zone)
        self.notice = timedelta(days=self.config.swap_notice_days)
        self.room_names = {s.id: s.name for s in settings.sites if s.kind == SiteKind.duty_room}
        self.site_names = {s.id: s.name for s in settings.sites}
        # Config order decides which room covers a site (see domain.duty.room_for_site).
        configured = [(r.site, tuple(r.covers)) for r in self.config.rooms]
        self.coverage = configured + [(rid, ()) for rid in self.room_names if rid not in {r for r, _ in configured}]
        self._cache: dict[tuple[int, int], tuple[float, Roster]] = {}
        self._lock = threading.Lock()

    # -- rooms -------------------------------------------------------------------------------------
    def room_ids(self) -> list[str]:
        return list(self.room_names)

    def room_name(self, room_id: str) -> str:
        return self.room_names.get(room_id, room_id)

    def rooms(self) -> list[RoomView]:
        """Every duty room with its desk cameras and the sites it covers."""
        out = []
        for room_id in self.room_ids():
            room = self.config.room(room_id)
            out.append(RoomView(
                id=room_id, name=self.room_name(room_id),
                cameras=[d.camera for d in room.desks] if room else [], covers=list(room.covers) if room else [],
            ))
        return out

    def check_room(self, room_id: str) -> str:
        if room_id not in self.room_names:
            raise NotFound("duty_room_not_found", f"no duty room {room_id!r}")
        return room_id

    def room_for_site(self, site_id: str) -> str | None:
        return room_for_site(site_id, self.coverage)

    # -- the roster --------------------------------------------------------------------------------
    def load(self, s: Session, first: date, last: date) -> Roster:
        """The roster from `first` to `last` with the approved swaps, read in the caller's session."""
        repo = DutyRepository(s)
        assignments = [
            Assignment(a.room_id, a.day, DutyRole(a.role), a.person_id) for a in repo.assignments(first, last)
        ]
        swaps = [swap_of(r) for r in repo.swaps_touching(first, last, statuses=[SwapStatus.approved.value])]
        return build_roster(assignments, swaps)

    def _month(self, day: date) -> Roster:
        """The roster of `day`'s month, cached briefly (attendance asks day by day)."""
        key = (day.year, day.month)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and monotonic_time.monotonic() - hit[0] < CACHE_SECONDS:
                return hit[1]
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        with self.db.read() as s:
            roster = self.load(s, first, last)
        with self._lock:
            self._cache[key] = (monotonic_time.monotonic(), roster)
        return roster

    def changed(self) -> None:
        """The roster or its swaps changed: forget the cached months."""
        with self._lock:
            self._cache.clear()

    def roster(self, first: date, last: date, room_id: str | None = None) -> list[ShiftView]:
        """Every shift from `first` to `last` (inclusive) with the people after swaps and as planned."""
        if last < first or (last - first).days > MAX_RANGE_DAYS:
            raise Invalid("bad_range", f"give a range of 1 to {MAX_RANGE_DAYS} days")
        rooms = [self.check_room(room_id)] if room_id else self.room_ids()
        with self.db.read() as s:
            roster = self.load(s, first, last)
            ids = {p for people in [*roster.holders.values(), *roster.base.values()] for p in people}
            names = {pid: p.name for pid, p in PeopleRepository(s).many(ids).items()}
        out: list[ShiftView] = []
        for offset in range((last - first).days + 1):
            day = first + timedelta(days=offset)
            start, end = self.shifts.span(day)
            for room in rooms:
                def refs(people: Iterable[str]) -> list[PersonRef]:
                    return [PersonRef(p, names.get(p, p)) for p in people]
                officers, leaders = roster.of(room, day, DutyRole.officer), roster.of(room, day, DutyRole.leader)
                planned_officers = roster.planned(room, day, DutyRole.officer)
                planned_leaders = roster.planned(room, day, DutyRole.leader)
                out.append(ShiftView(
                    room_id=room, room_name=self.room_name(room), day=day, start=start, end=end,
                    officers=refs(officers), leaders=refs(leaders),
                    planned_officers=refs(planned_officers), planned_leaders=refs(planned_leaders),
                    swapped=officers != planned_officers or leaders != planned_leaders,
                ))
        return out

    def person_names(self, ids: Sequence[str]) -> list[str]:
        """Names of these people in order (the id where a person is unknown)."""
        if not ids:
            return []
        with self.db.read() as s:
            found = {pid: p.name for pid, p in PeopleRepository(s).many(ids).items()}
        return [found.get(p, p) for p in ids]

    def phone(self, person_id: str) -> str | None:
        with self.db.read() as s:
            person = PeopleRepository(s).many([person_id]).get(person_id)
            return person.phone if person is not None and person.deleted_at is None else None

    # -- who is on duty ----------------------------------------------------------------------------
    def on_duty(self, person_id: str, day: date) -> bool:
        """DutyCalendar: the person holds a shift (any room, any role) starting on `day`, after swaps."""
        return self._month(day).on_duty(person_id, day)

    def shift_at(self, room_id: str, at: datetime | None = None) -> OnDuty:
        """The shift containing `at` (default now) and who holds it, without contact details."""
        at = at or self.clock()
        return on_duty_at(self.check_room(room_id), at, self.shifts, self._month(self.shifts.day_of(at)))

    def on_duty_now(self, room_id: str, at: datetime | None = None) -> OnDutyView:
        """The one query for "who is on duty / on call" in a room: officers and leaders with phones."""
        shift = self.shift_at(room_id, at)
        with self.db.read() as s:
            people = {
                pid: Contact(pid, p.name, p.phone if p.deleted_at is None else None)
                for pid, p in PeopleRepository(s).many([*shift.officers, *shift.leaders]).items()
            }

        def contacts(ids: Sequence[str]) -> list[Contact]:
            return [people.get(pid) or Contact(pid, pid, None) for pid in ids]

        return OnDutyView(
            room_id=room_id, room_name=self.room_name(room_id), day=shift.day, start=shift.start, end=shift.end,
            officers=contacts(shift.officers), leaders=contacts(shift.leaders),
        )
