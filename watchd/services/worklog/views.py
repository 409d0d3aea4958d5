"""What the work-log service answers with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class RevisionView:
    version: int
    done: str
    problems: str
    plan: str
    written_by: str
    written_at: datetime
    replaced_at: datetime
    replaced_by: str


@dataclass(frozen=True, slots=True)
class CommentView:
    id: int
    author: str
    author_name: str
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class LogView:
    id: int
    owner_kind: str
    owner_id: str
    owner_name: str
    day: date
    done: str
    problems: str
    plan: str
    version: int
    written_by: str
    created_at: datetime
    updated_at: datetime
    locked: bool
    history: list[RevisionView] = field(default_factory=list)
    comments: list[CommentView] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DayEntry:
    """The form of a day: the entry if written, else what watchd's records suggest."""

    owner_kind: str
    owner_id: str
    owner_name: str
    day: date
    entry: LogView | None
    suggested: list[str]  # lines from the day's records (check-ins, visits, duty, incidents)
    writable: bool
    last_open_day: date


@dataclass(frozen=True, slots=True)
class WroteRow:
    """Who wrote on which days of a period (the leader's overview)."""

    person_id: str
    name: str
    organisation: str
    written: list[date]
    due: list[date]

    @property
    def missing(self) -> list[date]:
        have = set(self.written)
        return [d for d in self.due if d not in have]


@dataclass(frozen=True, slots=True)
class PlanItemView:
    id: int
    owner_kind: str
    owner_id: str
    week: date
    text: str
    status: str
    note: str
    updated_by: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Dynamics:
    """A department's daily dynamics (每日工作动态): its own line and its members' entries."""

    organisation: str
    day: date
    line: LogView | None
    members: list[LogView]
    missing: list[tuple[str, str]]  # (person id, name) of members who owe an entry and wrote none
