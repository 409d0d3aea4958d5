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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from operator import attrgetter
from zoneinfo import ZoneInfo

from watchd.domain.attendance.calendar_day import CalendarDay, DayKind
from watchd.domain.attendance.punches import Punch
from watchd.domain.attendance.schedule import DayFrame, RuleSet, SessionBounds
from watchd.domain.attendance.village import village_site
from watchd.domain.leave import LeaveSpan

MINUTE = timedelta(minutes=1)
_AT = attrgetter("at")
ZERO = timedelta(0)


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


def evaluate_day(inp: DayInput, *, zone: ZoneInfo, now: datetime, frame: DayFrame | None = None) -> DayResult:
    """`frame` (the day's windows) may be passed in when many people share the schedule and the day."""
    frame = frame or DayFrame.of(inp.rules.schedule_for(inp.day), inp.day, zone)
    punches = sorted(inp.punches, key=_AT) if len(inp.punches) > 1 else inp.punches
    village = village_site(punches, frame, inp.rules.village_day_rule, inp.villages) if inp.villages else None
    first = punches[0].at if punches else None
    last = punches[-1].at if punches else None
    count = len(frame.sessions)
    if not inp.calendar.is_workday:
        status = DayStatus.holiday if inp.calendar.kind is DayKind.holiday else DayStatus.rest_day
        village = village if inp.rules.village_days_on_rest_days else None
        return DayResult(inp.person_id, inp.day, inp.calendar.kind, status, frame.name, count,
                         village_site_id=village, first_punch_at=first, last_punch_at=last,
                         suspect_punches=inp.suspect_punches)
    if (inp.on_duty and inp.rules.duty_day_excused) or (inp.after_duty and inp.rules.duty_rest_day):
        status = DayStatus.on_duty if inp.on_duty and inp.rules.duty_day_excused else DayStatus.duty_rest
        return DayResult(inp.person_id, inp.day, inp.calendar.kind, status, frame.name, count,
                         village_site_id=village, first_punch_at=first, last_punch_at=last,
                         suspect_punches=inp.suspect_punches)
    now = now.astimezone(UTC)
    sessions = tuple(_session(s, punches, inp.leaves, inp.rules, now) for s in frame.sessions)
    leave: dict[str, float] = {}
    if inp.leaves:
        total = frame.minutes or 1
        for s in sessions:
            for kind, minutes in s.leave_minutes.items():
                leave[kind] = leave.get(kind, 0.0) + minutes / total
    attended = late_n = late_m = early_n = early_m = missing = absent = on_leave = pending = 0
    for s in sessions:
        if s.checkin_at is not None or s.checkout_at is not None:
            attended += 1
        if s.late_minutes:
            late_n, late_m = late_n + 1, late_m + s.late_minutes
        if s.early_minutes:
            early_n, early_m = early_n + 1, early_m + s.early_minutes
        missing += s.missing_in + s.missing_out
        state = s.state
        if state is SessionState.absent:
            absent += 1
        elif state is SessionState.leave:
            on_leave += 1
        elif state is SessionState.pending:
            pending += 1
    if on_leave == count:
        status = DayStatus.leave
    elif attended:
        status = DayStatus.present
    elif pending:
        status = DayStatus.pending
    else:
        status = DayStatus.absent
    return DayResult(
        inp.person_id, inp.day, inp.calendar.kind, status, frame.name, count, sessions, late_n, late_m, early_n,
        early_m, missing, absent, attended, {k: round(v, 4) for k, v in leave.items()}, village, first, last,
        inp.suspect_punches,
    )



def _whole_minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60) if delta > ZERO else 0


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
    w: SessionBounds, punches: Sequence[Punch], leaves: Sequence[LeaveSpan], rules: RuleSet, now: datetime
) -> SessionResult:
    start, end = w.start, w.end
    leave_minutes: dict[str, int] = {}
    excuse_in = excuse_out = False
    if leaves:
        covered = _merged(leaves, start, end)
        for span in leaves:
            if span.overlaps(start, end):
                minutes = _whole_minutes(min(span.end, end) - max(span.start, start))
                leave_minutes[span.kind.value] = leave_minutes.get(span.kind.value, 0) + minutes
        if covered and covered[0][0] <= start and covered[0][1] >= end:
            return SessionResult(w.name, SessionState.leave, leave_minutes=leave_minutes)
        excuse_in = bool(covered) and covered[0][0] <= start
        excuse_out = bool(covered) and covered[-1][1] >= end
    checkin = checkout = None
    in_open, in_close, out_open, out_close = w.in_open, w.in_close, w.out_open, w.out_close
    for p in punches:  # in time order: the first in the check-in window, the last in the check-out window
        at = p.at
        if checkin is None and in_open <= at < in_close:
            checkin = at
        elif out_open <= at < out_close:
            checkout = at
    late = 0
    if checkin is not None and not excuse_in and checkin > start:
        minutes = _whole_minutes(checkin - start)
        late = minutes if minutes * MINUTE > rules.grace_late else 0
    out_closed = now >= out_close
    early = 0
    if checkout is not None and not excuse_out and out_closed and checkout < end:
        minutes = _whole_minutes(end - checkout)
        early = minutes if minutes * MINUTE > rules.grace_early else 0
    missing_in = now >= in_close and checkin is None and not excuse_in
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
