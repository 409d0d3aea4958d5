"""What the work-log service answers with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated

from pydantic import Field

from watchd.domain.worklog import ItemStatus


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
    suggested: Annotated[
        list[str], Field(description="Lines from the day's records, to start an unwritten entry with")
    ]  # from check-ins, visits, duty, incidents
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
    missing: list[date]  # the days due that were not written

    @classmethod
    def of(
        cls, person_id: str, name: str, organisation: str, written: list[date], due: list[date]
    ) -> WroteRow:
        have = set(written)
        return cls(person_id, name, organisation, written, due, [d for d in due if d not in have])


@dataclass(frozen=True, slots=True)
class PlanItemView:
    id: int
    owner_kind: str
    owner_id: str
    week: date
    text: str
    status: ItemStatus
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
    missing: list[MemberRef]  # members who owe an entry and wrote none


@dataclass(frozen=True, slots=True)
class MemberRef:
    person_id: str
    name: str
