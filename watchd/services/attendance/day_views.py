"""What the API and the pages show of attendance days: a person's day with its Chinese labels and
names, the calendar day, a set-aside punch. Built from the service's records (`DayRecord`,
`CalendarDay`, `SuspectView`) and the directory of names; times stay in UTC until shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from watchd.domain.attendance.calendar_day import CalendarDay
from watchd.domain.attendance.labels import KIND_NAMES, status_label
from watchd.services.attendance.records import DayRecord
from watchd.services.attendance.views import SuspectView
from watchd.services.directory import Directory


def _at(value: Any) -> datetime | None:
    """A session time as evaluated (datetime) or as stored (ISO text)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


@dataclass(frozen=True, slots=True)
class SessionView:
    name: str
    state: str
    checkin_at: datetime | None
    checkout_at: datetime | None
    late_minutes: int
    early_minutes: int
    missing_in: bool
    missing_out: bool

    @classmethod
    def of(cls, raw: dict[str, Any]) -> SessionView:
        return cls(
            name=str(raw["name"]), state=str(raw["state"]), checkin_at=_at(raw.get("checkin_at")),
            checkout_at=_at(raw.get("checkout_at")), late_minutes=int(raw.get("late_minutes", 0)),
            early_minutes=int(raw.get("early_minutes", 0)), missing_in=bool(raw.get("missing_in", False)),
            missing_out=bool(raw.get("missing_out", False)),
        )


@dataclass(frozen=True, slots=True)
class DayView:
    person_id: str
    person_name: str
    organisation: str
    day: date
    kind: str
    kind_label: str
    status: str
    status_label: str
    schedule: str
    sessions: list[SessionView]
    late_minutes: int
    early_minutes: int
    missing_punches: int
    absent_sessions: int
    leave: dict[str, float]
    village_site_id: str | None
    village_name: str | None
    suspect_punches: int
    settled: bool
    provisional: bool

    @classmethod
    def of(cls, r: DayRecord, directory: Directory) -> DayView:
        return cls(
            person_id=r.person_id, person_name=directory.person_name(r.person_id), organisation=r.organisation,
            day=r.day, kind=r.kind, kind_label=KIND_NAMES.get(r.kind, r.kind), status=r.status,
            status_label=status_label(
                r.status, late=r.late_count, early=r.early_count, missing=r.missing_punches,
                absent_sessions=r.absent_sessions if r.attended_sessions else 0, on_leave=bool(r.leave),
            ),
            schedule=r.schedule, sessions=[SessionView.of(s) for s in r.sessions],
            late_minutes=r.late_minutes, early_minutes=r.early_minutes, missing_punches=r.missing_punches,
            absent_sessions=r.absent_sessions, leave=r.leave, village_site_id=r.village_site_id,
            village_name=directory.site_name(r.village_site_id) or None, suspect_punches=r.suspect_punches,
            settled=r.settled, provisional=r.provisional,
        )


@dataclass(frozen=True, slots=True)
class CalendarDayView:
    day: date
    kind: str
    kind_label: str
    workday: bool
    name: str
    source: str

    @classmethod
    def of(cls, day: CalendarDay) -> CalendarDayView:
        return cls(
            day=day.day, kind=day.kind.value, kind_label=KIND_NAMES[day.kind.value], workday=day.is_workday,
            name=day.name, source=day.source.value,
        )


@dataclass(frozen=True, slots=True)
class SuspectRow:
    """A punch set aside for an impossible device time, with the person's name."""

    checkin_id: int
    person_id: str
    person_name: str
    device_id: str
    occurred_at: datetime
    received_at: datetime
    problem: str

    @classmethod
    def of(cls, s: SuspectView, directory: Directory) -> SuspectRow:
        return cls(
            checkin_id=s.checkin_id, person_id=s.person_id, person_name=directory.person_name(s.person_id),
            device_id=s.device_id, occurred_at=s.occurred_at, received_at=s.received_at, problem=s.problem,
        )
