"""Duty rosters, 24-hour shifts and swaps. Pure: `now` and the shift clock come in, no I/O.

A shift belongs to the local day it starts on: with the boundary 08:30, the shift of 1 December
runs from 1 December 08:30 to 2 December 08:30. Each shift of a duty room has duty officers
(值班人员) and a leader on duty (带班领导).

A swap hands one person's shift to another (替班), optionally with a shift back on another day
(换班: the other person's shift on `back_day` goes to the requester). The officer asks; a leader
approves or rejects. Approval must happen at least `notice` before the first shift the swap
changes, otherwise it is refused with that reason. Approved swaps are applied in the order they
were approved, on top of the base roster; a swap whose person no longer holds the shift (the
roster was re-imported) changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

MAX_OFFICERS = 6
MAX_LEADERS = 2


class DutyRole(StrEnum):
    officer = "officer"  # 值班人员
    leader = "leader"  # 带班领导


ROLE_NAMES: dict[DutyRole, str] = {DutyRole.officer: "值班人员", DutyRole.leader: "带班领导"}


class SwapStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    cancelled = "cancelled"


@dataclass(frozen=True, slots=True)
class ShiftClock:
    """Where shifts start and end in the township's zone."""

    boundary: time
    zone: ZoneInfo

    def day_of(self, at: datetime) -> date:
        """The duty day whose shift contains `at`."""
        local = at.astimezone(self.zone)
        day = local.date()
        return day if local.time() >= self.boundary else day - timedelta(days=1)

    def start(self, day: date) -> datetime:
        return datetime.combine(day, self.boundary, tzinfo=self.zone)

    def span(self, day: date) -> tuple[datetime, datetime]:
        return self.start(day), self.start(day + timedelta(days=1))


@dataclass(frozen=True, slots=True)
class Assignment:
    room_id: str
    day: date
    role: DutyRole
    person_id: str


@dataclass(frozen=True, slots=True)
class Swap:
    id: int
    room_id: str
    day: date
    role: DutyRole
    from_person: str
    to_person: str
    back_day: date | None = None
    status: SwapStatus = SwapStatus.pending
    decided_at: datetime | None = None

    @property
    def days(self) -> tuple[date, ...]:
        return (self.day,) if self.back_day is None else (self.day, self.back_day)


SlotKey = tuple[str, date, DutyRole]  # room, day, role


@dataclass(frozen=True, slots=True)
class Roster:
    """Who holds each shift after swaps; `base` is the roster as planned."""

    holders: Mapping[SlotKey, tuple[str, ...]]
    base: Mapping[SlotKey, tuple[str, ...]]

    def of(self, room_id: str, day: date, role: DutyRole) -> tuple[str, ...]:
        return self.holders.get((room_id, day, role), ())

    def planned(self, room_id: str, day: date, role: DutyRole) -> tuple[str, ...]:
        return self.base.get((room_id, day, role), ())

    def duties_of(self, person_id: str, day: date) -> list[tuple[str, DutyRole]]:
        """(room, role) of every shift the person holds on `day`."""
        return [(room, role) for (room, d, role), people in self.holders.items() if d == day and person_id in people]

    def on_duty(self, person_id: str, day: date) -> bool:
        return bool(self.duties_of(person_id, day))


def build_roster(assignments: Iterable[Assignment], approved: Iterable[Swap]) -> Roster:
    """The base roster with approved swaps applied in the order they were approved."""
    base: dict[SlotKey, list[str]] = {}
    for a in assignments:
        people = base.setdefault((a.room_id, a.day, a.role), [])
        if a.person_id not in people:
            people.append(a.person_id)
    holders = {k: list(v) for k, v in base.items()}
    ordered = sorted(
        (s for s in approved if s.status == SwapStatus.approved),
        key=lambda s: (s.decided_at or datetime.min.replace(tzinfo=UTC), s.id),
    )
    for swap in ordered:
        _hand_over(holders, (swap.room_id, swap.day, swap.role), swap.from_person, swap.to_person)
        if swap.back_day is not None:
            _hand_over(holders, (swap.room_id, swap.back_day, swap.role), swap.to_person, swap.from_person)
    return Roster(
        holders={k: tuple(v) for k, v in holders.items() if v},
        base={k: tuple(v) for k, v in base.items() if v},
    )


def _hand_over(holders: dict[SlotKey, list[str]], key: SlotKey, giver: str, taker: str) -> None:
    people = holders.get(key)
    if not people or giver not in people or taker in people:
        return
    people[people.index(giver)] = taker


# -- refusals -------------------------------------------------------------------------------------


class DutyRefused(ValueError):
    """A roster change or swap that cannot be made; `code` is stable, `message` English."""

    def __init__(self, code: str, message: str, **details: object) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.details = details


def check_day_plan(room_id: str, day: date, officers: Sequence[str], leaders: Sequence[str], roster: Roster) -> None:
    """A day's plan for one room: bounded, nobody twice, nobody already on duty in another room."""
    if len(officers) > MAX_OFFICERS or len(leaders) > MAX_LEADERS:
        raise DutyRefused(
            "roster_too_many", f"at most {MAX_OFFICERS} officers and {MAX_LEADERS} leaders per shift",
            day=day.isoformat(),
        )
    everyone = [*officers, *leaders]
    twice = sorted({p for p in everyone if everyone.count(p) > 1})
    if twice:
        raise DutyRefused("roster_person_twice", f"{twice[0]} is named twice on {day}", person_id=twice[0],
                          day=day.isoformat())
    for person in everyone:
        other = [room for room, _ in roster.duties_of(person, day) if room != room_id]
        if other:
            raise DutyRefused(
                "roster_double_booked", f"{person} is on duty in {other[0]} on {day}",
                person_id=person, room=other[0], day=day.isoformat(),
            )


def approval_deadline(swap: Swap, clock: ShiftClock, notice: timedelta) -> datetime:
    """The latest moment the swap may be approved: `notice` before the first shift it changes."""
    return min(clock.start(d) for d in swap.days) - notice


def check_swap(swap: Swap, roster: Roster, clock: ShiftClock, notice: timedelta, now: datetime) -> None:
    """A swap that could be approved now against `roster` (which must not include it)."""
    if swap.from_person == swap.to_person:
        raise DutyRefused("swap_same_person", "a swap needs two different people")
    if swap.back_day is not None and swap.back_day == swap.day:
        raise DutyRefused("swap_same_day", "the shift back must be on another day")
    if swap.from_person not in roster.of(swap.room_id, swap.day, swap.role):
        raise DutyRefused(
            "swap_not_on_duty", f"{swap.from_person} does not hold the {swap.role.value} shift of {swap.day}",
            person_id=swap.from_person, day=swap.day.isoformat(),
        )
    if roster.on_duty(swap.to_person, swap.day):
        raise DutyRefused(
            "swap_target_busy", f"{swap.to_person} is already on duty on {swap.day}",
            person_id=swap.to_person, day=swap.day.isoformat(),
        )
    if swap.back_day is not None:
        if swap.to_person not in roster.of(swap.room_id, swap.back_day, swap.role):
            raise DutyRefused(
                "swap_back_not_on_duty",
                f"{swap.to_person} does not hold the {swap.role.value} shift of {swap.back_day}",
                person_id=swap.to_person, day=swap.back_day.isoformat(),
            )
        if roster.on_duty(swap.from_person, swap.back_day):
            raise DutyRefused(
                "swap_target_busy", f"{swap.from_person} is already on duty on {swap.back_day}",
                person_id=swap.from_person, day=swap.back_day.isoformat(),
            )
    deadline = approval_deadline(swap, clock, notice)
    if now > deadline:
        raise DutyRefused(
            "swap_too_late",
            f"a swap must be approved at least {_days(notice)} before the shift; the deadline was {deadline.isoformat()}",
            deadline=deadline.isoformat(), notice_days=notice.days,
        )


def _days(notice: timedelta) -> str:
    return f"{notice.days} day(s)" if notice.days else f"{notice.total_seconds() / 3600:g} hour(s)"


# -- who is on duty now -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OnDuty:
    room_id: str
    day: date
    start: datetime
    end: datetime
    officers: tuple[str, ...]
    leaders: tuple[str, ...]

    @property
    def leader(self) -> str | None:
        return self.leaders[0] if self.leaders else None


def on_duty_at(room_id: str, at: datetime, clock: ShiftClock, roster: Roster) -> OnDuty:
    """The shift of `room_id` that contains `at`, and who holds it."""
    day = clock.day_of(at)
    start, end = clock.span(day)
    return OnDuty(
        room_id=room_id, day=day, start=start, end=end,
        officers=roster.of(room_id, day, DutyRole.officer), leaders=roster.of(room_id, day, DutyRole.leader),
    )


def room_for_site(site_id: str, rooms: Sequence[tuple[str, Sequence[str]]]) -> str | None:
    """The duty room responsible for a site: the room itself, the first that lists it, else the first
    room that lists no sites (it covers the rest). `rooms`: (room id, covered sites) in config order."""
    for room_id, _ in rooms:
        if room_id == site_id:
            return room_id
    for room_id, covers in rooms:
        if site_id in covers:
            return room_id
    return next((room_id for room_id, covers in rooms if not covers), None)
