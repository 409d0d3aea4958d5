"""Presence at the duty desk over time, and the decisions on it. Pure: samples carry their time,
decisions take `now`; nothing sleeps and nothing reads a clock.

Cues per analysed picture (from `watchd/vision/presence.py`): movement in the seat region, a face
there, and whether the seat looks different from the empty seat. Over time:
- someone becomes present when movement or a face goes on for `enter` (gaps up to `gap`), so a
  person walking past the desk is not counted;
- a present person stays present while cues continue; a seat that only *looks* occupied (no
  movement, no face) keeps them present for at most `still` after the last movement, so a coat
  on the chair does not watch the monitors;
- without support for `hold`, the desk is absent since the last support;
- without any picture for `unknown_after`, the desk state is unknown (camera offline), which is
  never counted as absence.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class DeskState(StrEnum):
    present = "present"
    absent = "absent"
    unknown = "unknown"


STATE_NAMES: dict[DeskState, str] = {DeskState.present: "在岗", DeskState.absent: "离岗", DeskState.unknown: "未知"}


@dataclass(frozen=True, slots=True)
class DeskSample:
    at: datetime
    moving: bool  # movement in the seat region
    occupied: bool  # the seat looks different from the empty seat
    face: bool = False  # a face in the seat region, identified or not


@dataclass(frozen=True, slots=True)
class PresenceRules:
    enter: timedelta = timedelta(seconds=15)
    hold: timedelta = timedelta(seconds=90)
    still: timedelta = timedelta(minutes=20)
    unknown_after: timedelta = timedelta(minutes=2)
    gap: timedelta = timedelta(seconds=30)  # longest pause between cues while someone settles in


@dataclass(frozen=True, slots=True)
class Change:
    state: DeskState
    at: datetime


@dataclass(frozen=True, slots=True)
class DeskView:
    state: DeskState
    since: datetime | None  # when the current state began
    last_sample: datetime | None
    last_movement: datetime | None


class PresenceTracker:
    """Presence of one duty desk (fed by every camera of the room)."""

    def __init__(
        self, rules: PresenceRules, *, state: DeskState = DeskState.unknown, since: datetime | None = None,
        last_sample: datetime | None = None,
    ) -> None:
        self.rules = rules
        self.state = state
        self.since = since
        self.last_sample = last_sample
        self.last_active: datetime | None = last_sample if state == DeskState.present else None
        self.last_support: datetime | None = last_sample if state == DeskState.present else None
        self.run_start: datetime | None = None
        self.run_last: datetime | None = None
        self.known_since: datetime | None = None if state == DeskState.unknown else since

    @property
    def view(self) -> DeskView:
        return DeskView(self.state, self.since, self.last_sample, self.last_active)

    def _set(self, state: DeskState, at: datetime) -> Change:
        self.state, self.since = state, at
        self.run_start = self.run_last = None
        return Change(state, at)

    def expire(self, now: datetime) -> Change | None:
        """No picture for `unknown_after`: the state is unknown from the last picture on."""
        if self.state == DeskState.unknown or self.last_sample is None:
            return None
        if now - self.last_sample <= self.rules.unknown_after:
            return None
        self.known_since = None
        self.last_active = self.last_support = None
        return self._set(DeskState.unknown, self.last_sample)

    def observe(self, s: DeskSample) -> list[Change]:
        changes: list[Change] = []
        gone = self.expire(s.at)
        if gone is not None:
            changes.append(gone)
        if self.last_sample is not None and s.at < self.last_sample - self.rules.gap:
            return changes  # far out of order (a late picture from a second camera): ignore
        self.last_sample = max(s.at, self.last_sample or s.at)
        if self.known_since is None:
            self.known_since = s.at
        active = s.moving or s.face
        if active:
            self.last_active = max(s.at, self.last_active or s.at)
        still_ok = self.last_active is not None and s.at - self.last_active <= self.rules.still
        supported = active or (s.occupied and still_ok)
        if self.state == DeskState.present:
            if supported:
                self.last_support = max(s.at, self.last_support or s.at)
            elif self.last_support is None or s.at - self.last_support > self.rules.hold:
                changes.append(self._set(DeskState.absent, self.last_support or s.at))
            return changes
        if active:
            if self.run_start is None or self.run_last is None or s.at - self.run_last > self.rules.gap:
                self.run_start = s.at
            self.run_last = s.at
            if s.at - self.run_start >= self.rules.enter:
                self.last_support = s.at
                changes.append(self._set(DeskState.present, self.run_start))
                return changes
        elif self.run_last is not None and s.at - self.run_last > self.rules.gap:
            self.run_start = self.run_last = None
        if (
            self.state == DeskState.unknown and self.run_start is None
            and s.at - self.known_since >= self.rules.enter
        ):
            changes.append(self._set(DeskState.absent, self.known_since))
        return changes


# -- decisions --------------------------------------------------------------------------------------


def unwatched_since(view: DeskView, limit: timedelta, now: datetime) -> datetime | None:
    """The moment the desk became unwatched (`limit` after it emptied), once `now` has reached it."""
    if view.state != DeskState.absent or view.since is None:
        return None
    crossed = view.since + limit
    return crossed if now >= crossed else None


@dataclass(frozen=True, slots=True)
class Sighting:
    at: datetime
    person_id: str | None  # None: a face nobody in the gallery matches


@dataclass(frozen=True, slots=True)
class WrongPerson:
    since: datetime  # first sighting of someone else after the last rostered one
    seen: tuple[tuple[str | None, int], ...]  # who was seen, most often first


def wrong_person(
    sightings: Iterable[Sighting], rostered: frozenset[str], present_since: datetime | None, now: datetime,
    stretch: timedelta, min_sightings: int,
) -> WrongPerson | None:
    """Only faces other than the rostered officers at the desk for `stretch` while it was occupied.

    Any sighting of a rostered officer resets the stretch: an officer not recognised for a while
    (looking away, poor light) does not count against them as long as they are seen now and then.
    Without a roster nobody is wrong."""
    if not rostered or present_since is None:
        return None
    relevant = [s for s in sightings if present_since <= s.at <= now]
    last_ok = max((s.at for s in relevant if s.person_id in rostered), default=None)
    others = [s for s in relevant if s.person_id not in rostered and (last_ok is None or s.at > last_ok)]
    if len(others) < min_sightings or now - others[0].at < stretch:
        return None
    counts = Counter(s.person_id for s in others)
    return WrongPerson(others[0].at, tuple(counts.most_common()))


# -- the timeline for the duty log -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Segment:
    state: DeskState
    start: datetime
    end: datetime

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


def clip_timeline(segments: Sequence[Segment], start: datetime, end: datetime) -> list[Segment]:
    """The segments within [start, end), in order, with every gap filled as unknown."""
    out: list[Segment] = []
    cursor = start
    for seg in sorted(segments, key=lambda x: x.start):
        s, e = max(seg.start, start), min(seg.end, end)
        if e <= s or e <= cursor:
            continue
        s = max(s, cursor)
        if s > cursor:
            out.append(Segment(DeskState.unknown, cursor, s))
        if out and out[-1].state == seg.state and out[-1].end == s:
            out[-1] = Segment(seg.state, out[-1].start, e)
        else:
            out.append(Segment(seg.state, s, e))
        cursor = e
    if cursor < end:
        out.append(Segment(DeskState.unknown, cursor, end))
    return out


def totals(segments: Iterable[Segment]) -> dict[DeskState, timedelta]:
    out = dict.fromkeys(DeskState, timedelta(0))
    for seg in segments:
        out[seg.state] += seg.duration
    return out


def longest(segments: Iterable[Segment], state: DeskState) -> Segment | None:
    return max((s for s in segments if s.state == state), key=lambda s: s.duration, default=None)
