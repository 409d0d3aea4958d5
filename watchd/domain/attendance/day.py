"""One person's day: a pure function of the punches, the schedule, the calendar, leave, duty and `now`.

Rules, session by session (上午, 下午):
- the check-in is the earliest punch in the check-in window, the check-out the latest punch in
  the check-out window;
- lateness and early leave are counted in whole minutes (seconds are dropped): a check-in at
  08:35:59 for an 08:30 start is 5 minutes late. It is *late* only when those minutes exceed the
  grace minutes; the minutes reported are then counted from the start, not from the grace;
- approved leave that covers the start of a session excuses its check-in, leave that covers its
  end excuses the check-out, leave covering all of it makes the session "on leave";
- a session with no check-in and no check-out (and not wholly on leave) is absent; with one of the
  two missing it is incomplete (缺卡);
- a session whose windows have not closed yet at `now` is pending; nothing is missing or absent
  before its window has closed.
The day: a weekend or holiday is a rest day whatever was punched; on a duty shift day (and the
day after, per the rules) the person is on duty; all sessions on leave make a leave day; no
session attended makes an absent day; anything else is a present day with its counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from watchd.domain.attendance.calendar_day import CalendarDay, DayKind
from watchd.domain.attendance.punches import Punch
from watchd.domain.attendance.schedule import RuleSet, SessionWindows, midnight
from watchd.domain.attendance.village import village_site
from watchd.domain.leave import LeaveSpan

MINUTE = timedelta(minutes=1)


class DayStatus(StrEnum):
    present = "present"
    absent = "absent"
    leave = "leave"
    on_duty = "on_duty"
    duty_rest = "duty_rest"
    holiday = "holiday"
    rest_day = "rest_day"
    pending = "pending"  # the day is not over and nothing decides it yet


class SessionState(StrEnum):
    ok = "ok"
    incomplete = "incomplete"  # check-in or check-out missing (缺卡)
    absent = "absent"
    leave = "leave"
    pending = "pending"


@dataclass(frozen=True, slots=True)
class SessionResult:
    name: str
    state: SessionState
    checkin_at: datetime | None = None
    checkout_at: datetime | None = None
    late_minutes: int = 0  # > 0 only when late beyond the grace
    early_minutes: int = 0  # > 0 only when early beyond the grace
    missing_in: bool = False
    missing_out: bool = False
    leave_minutes: Mapping[str, int] = field(default_factory=dict)  # leave kind -> minutes of this session


@dataclass(frozen=True, slots=True)
class DayInput:
    person_id: str
    day: date
    calendar: CalendarDay
    rules: RuleSet
    punches: Sequence[Punch]  # plausible punches of this local day, any order
    leaves: Sequence[LeaveSpan] = ()  # approved leave overlapping the day
    villages: frozenset[str] = frozenset()  # the person's assigned village sites
    on_duty: bool = False  # holds the duty shift that starts this day
    after_duty: bool = False  # held the duty shift that started the day before
    suspect_punches: int = 0  # punches that arrived this day with an impossible device time


@dataclass(frozen=True, slots=True)
class DayResult:
    person_id: str
    day: date
    kind: DayKind
    status: DayStatus
    schedule: str
    session_count: int
    sessions: tuple[SessionResult, ...] = ()
    late_count: int = 0
    late_minutes: int = 0
    early_count: int = 0
    early_minutes: int = 0
    missing_punches: int = 0
    absent_sessions: int = 0
    attended_sessions: int = 0
    leave: Mapping[str, float] = field(default_factory=dict)  # leave kind -> fraction of the day
    village_site_id: str | None = None
    first_punch_at: datetime | None = None
    last_punch_at: datetime | None = None
    suspect_punches: int = 0

    @property
    def village_day(self) -> bool:
        return self.village_site_id is not None


def evaluate_day(inp: DayInput, *, zone: ZoneInfo, now: datetime) -> DayResult:
    schedule = inp.rules.schedule_for(inp.day)
    base = midnight(inp.day, zone)
    punches = sorted(inp.punches, key=lambda p: p.at)
    village = village_site(punches, schedule, base, inp.rules.village_day_rule, inp.villages)
    plain = DayResult(
        person_id=inp.person_id, day=inp.day, kind=inp.calendar.kind, status=DayStatus.pending,
        schedule=schedule.name, session_count=len(schedule.sessions), suspect_punches=inp.suspect_punches,
        first_punch_at=punches[0].at if punches else None, last_punch_at=punches[-1].at if punches else None,
        village_site_id=village,
    )
    if not inp.calendar.is_workday:
        status = DayStatus.holiday if inp.calendar.kind is DayKind.holiday else DayStatus.rest_day
        return replace(plain, status=status, village_site_id=village if inp.rules.village_days_on_rest_days else None)
    if inp.on_duty and inp.rules.duty_day_excused:
        return replace(plain, status=DayStatus.on_duty)
    if inp.after_duty and inp.rules.duty_rest_day:
        return replace(plain, status=DayStatus.duty_rest)
    sessions = tuple(_session(s, base, punches, inp.leaves, inp.rules, now) for s in schedule.sessions)
    total_minutes = schedule.minutes or 1
    leave: dict[str, float] = {}
    for s in sessions:
        for kind, minutes in s.leave_minutes.items():
            leave[kind] = leave.get(kind, 0.0) + minutes / total_minutes
    attended = sum(1 for s in sessions if s.checkin_at is not None or s.checkout_at is not None)
    if all(s.state is SessionState.leave for s in sessions):
        status = DayStatus.leave
    elif attended:
        status = DayStatus.present
    elif any(s.state is SessionState.pending for s in sessions):
        status = DayStatus.pending
    else:
        status = DayStatus.absent
    return replace(
        plain, status=status, sessions=sessions,
        late_count=sum(1 for s in sessions if s.late_minutes),
        late_minutes=sum(s.late_minutes for s in sessions),
        early_count=sum(1 for s in sessions if s.early_minutes),
        early_minutes=sum(s.early_minutes for s in sessions),
        missing_punches=sum(int(s.missing_in) + int(s.missing_out) for s in sessions),
        absent_sessions=sum(1 for s in sessions if s.state is SessionState.absent), attended_sessions=attended,
        leave={k: round(v, 4) for k, v in leave.items()},
    )


def _whole_minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60) if delta > timedelta(0) else 0


def _merged(spans: Sequence[LeaveSpan], start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The parts of [start, end) covered by leave, merged into disjoint intervals."""
    parts = sorted((max(s.start, start), min(s.end, end)) for s in spans if s.overlaps(start, end))
    merged: list[tuple[datetime, datetime]] = []
    for a, b in parts:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _session(
    w: SessionWindows, base: datetime, punches: Sequence[Punch], leaves: Sequence[LeaveSpan], rules: RuleSet,
    now: datetime,
) -> SessionResult:
    start, end = base + w.start, base + w.end
    covered = _merged(leaves, start, end)
    leave_minutes: dict[str, int] = {}
    for span in leaves:
        if span.overlaps(start, end):
            minutes = _whole_minutes(min(span.end, end) - max(span.start, start))
            leave_minutes[span.kind.value] = leave_minutes.get(span.kind.value, 0) + minutes
    if covered and covered[0][0] <= start and covered[0][1] >= end:
        return SessionResult(w.name, SessionState.leave, leave_minutes=leave_minutes)
    excuse_in = bool(covered) and covered[0][0] <= start
    excuse_out = bool(covered) and covered[-1][1] >= end
    in_open, in_close = base + w.in_open, base + w.in_close
    out_open, out_close = base + w.out_open, base + w.out_close
    checkin = next((p.at for p in punches if in_open <= p.at < in_close), None)
    checkout = next((p.at for p in reversed(punches) if out_open <= p.at < out_close), None)
    late = 0
    if checkin is not None and not excuse_in:
        minutes = _whole_minutes(checkin - start)
        late = minutes if minutes * MINUTE > rules.grace_late else 0
    in_closed = now >= in_close
    out_closed = now >= out_close
    early = 0
    if checkout is not None and not excuse_out and out_closed:
        minutes = _whole_minutes(end - checkout)
        early = minutes if minutes * MINUTE > rules.grace_early else 0
    missing_in = in_closed and checkin is None and not excuse_in
    missing_out = out_closed and checkout is None and not excuse_out
    if not out_closed:
        state = SessionState.pending
    elif checkin is None and checkout is None:
        state = SessionState.absent
        missing_in = missing_out = False  # an absent session is counted as absent, not as missing punches
    elif missing_in or missing_out:
        state = SessionState.incomplete
    else:
        state = SessionState.ok
    return SessionResult(w.name, state, checkin, checkout, late, early, missing_in, missing_out, leave_minutes)
