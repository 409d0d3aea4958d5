"""The one mapper for a person's day: evaluated, stored, shown, summed.

A day exists in four shapes: `DayResult` (the domain's evaluation), `AttendanceDay` (the stored row),
`DayRecord` (what pages and reports show) and `DayFacts` (what the month sums). They name their
fields alike; `SHARED` and `COUNTS` list those names once, and every conversion between the shapes
is here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from operator import attrgetter
from typing import Any

from watchd.db.models import AttendanceDay
from watchd.domain.attendance.calendar_day import DayKind
from watchd.domain.attendance.day import DayResult, DayStatus, SessionResult
from watchd.domain.attendance.monthly import DayFacts

COUNTS: tuple[str, ...] = (
    "session_count", "attended_sessions", "absent_sessions", "late_count", "late_minutes", "early_count",
    "early_minutes", "missing_punches", "suspect_punches",
)
SHARED: tuple[str, ...] = ("person_id", "day", "schedule", "village_site_id", "first_punch_at", "last_punch_at", *COUNTS)
KINDS = {k.value: k for k in DayKind}
STATUSES = {s.value: s for s in DayStatus}
_GETTERS: dict[tuple[str, ...], attrgetter[Any]] = {names: attrgetter(*names) for names in (COUNTS, SHARED)}


@dataclass(frozen=True, slots=True)
class DayRecord:
    """One person's day as pages and reports show it: a settled row or a live evaluation."""

    person_id: str
    day: date
    organisation: str
    kind: str
    status: str
    schedule: str
    session_count: int
    attended_sessions: int
    absent_sessions: int
    late_count: int
    late_minutes: int
    early_count: int
    early_minutes: int
    missing_punches: int
    leave: dict[str, float]
    sessions: list[dict[str, Any]]
    village_site_id: str | None
    first_punch_at: datetime | None
    last_punch_at: datetime | None
    suspect_punches: int
    settled: bool
    provisional: bool

    @classmethod
    def of_result(cls, result: DayResult, organisation: str) -> DayRecord:
        """A live evaluation (not settled)."""
        return cls(
            **_copy(result, SHARED), organisation=organisation, kind=result.kind.value, status=result.status.value,
            leave=dict(result.leave), sessions=[_session(s) for s in result.sessions], settled=False,
            provisional=False,
        )

    @classmethod
    def of_stored(cls, row: AttendanceDay) -> DayRecord:
        """A settled day as stored."""
        return cls(
            **_copy(row, SHARED), organisation=row.organisation, kind=row.kind, status=row.status,
            leave=_leave(row.leave), sessions=json.loads(row.sessions or "[]"), settled=True,
            provisional=row.provisional,
        )

    def stored(self, settled_at: datetime, *, provisional: bool) -> dict[str, Any]:
        """The `AttendanceDay` row that settles this day."""
        return {
            **_copy(self, SHARED), "organisation": self.organisation, "kind": self.kind, "status": self.status,
            "leave": _json(self.leave), "sessions": _json(self.sessions), "settled_at": settled_at,
            "provisional": provisional,
        }

    def facts(self) -> DayFacts:
        return _facts(
            self, self.organisation, KINDS[self.kind], STATUSES[self.status], self.leave, self.village_site_id, self.settled
        )


def result_facts(result: DayResult, organisation: str) -> DayFacts:
    """What the month needs from a live evaluation."""
    return _facts(result, organisation, result.kind, result.status, dict(result.leave), result.village_site_id, False)


def stored_facts(row: Any) -> DayFacts:
    """What the month needs from a settled day: an `AttendanceDay`, or a row of `AttendanceRepository.day_sums`."""
    return _facts(
        row, row.organisation, KINDS[row.kind], STATUSES[row.status], _leave(row.leave), row.village_site_id, True
    )


def _facts(
    counts: object, organisation: str, kind: DayKind, status: DayStatus, leave: dict[str, float],
    village_site_id: str | None, settled: bool,
) -> DayFacts:
    return DayFacts(
        **_copy(counts, COUNTS), organisation=organisation, kind=kind, status=status, leave=leave,
        village_day=village_site_id is not None, settled=settled,
    )


def _copy(source: object, names: tuple[str, ...]) -> dict[str, Any]:
    """The named fields of any of the day's shapes, by name."""
    return dict(zip(names, _GETTERS[names](source), strict=True))


def _session(s: SessionResult) -> dict[str, Any]:
    return {
        "name": s.name, "state": s.state.value, "checkin_at": _iso(s.checkin_at), "checkout_at": _iso(s.checkout_at),
        "late_minutes": s.late_minutes, "early_minutes": s.early_minutes, "missing_in": s.missing_in,
        "missing_out": s.missing_out,
    }


def _json(value: object) -> str:
    if not value:
        return "[]" if isinstance(value, list) else "{}"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _leave(text: str | None) -> dict[str, float]:
    if not text or text == "{}":
        return {}
    return {str(k): float(v) for k, v in json.loads(text).items()}


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
