"""What the duty service answers with: shifts, who is on duty now, swaps, an import's report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

from pydantic import Field

from watchd.alerts.oncall import Contact
from watchd.services.duty.roster_file import RowError


@dataclass(frozen=True, slots=True)
class PersonRef:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class ShiftView:
    room_id: str
    room_name: str
    day: date
    start: datetime
    end: datetime
    officers: list[PersonRef]
    leaders: list[PersonRef]
    planned_officers: list[PersonRef]
    planned_leaders: list[PersonRef]
    swapped: Annotated[bool, Field(description="Approved swaps changed who holds this shift")]


@dataclass(frozen=True, slots=True)
class OnDutyView:
    room_id: str
    room_name: str
    day: date
    start: datetime
    end: datetime
    officers: list[Contact]
    leaders: list[Contact]

    @property
    def leader(self) -> Contact | None:
        return self.leaders[0] if self.leaders else None


@dataclass(frozen=True, slots=True)
class SwapView:
    id: int
    room_id: str
    room_name: str
    day: date
    role: str
    role_text: str
    from_person: PersonRef
    to_person: PersonRef
    back_day: date | None
    reason: str
    status: str
    status_text: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str
    approve_by: Annotated[datetime, Field(description="The latest moment the swap may be approved")]


@dataclass(frozen=True, slots=True)
class RoomView:
    id: str
    name: str
    cameras: list[str]  # the desk cameras watched in it
    covers: list[str]  # the sites whose incidents its officers answer


@dataclass(frozen=True, slots=True)
class ImportReport:
    rows: int  # non-empty rows read
    days: int  # shifts written (or that would be, for a dry run)
    errors: list[RowError]
    written: bool
    first: date | None
    last: date | None
