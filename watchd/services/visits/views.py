"""What the visit service answers with: pairings with their month's visits, visits, reminders."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from watchd.db.models import Visit
from watchd.db.repositories.pairings import PairingsRepository
from watchd.db.repositories.people import PeopleRepository


@dataclass(frozen=True, slots=True)
class PairingView:
    person_id: str
    person_name: str
    organisation: str
    household_id: str
    household_name: str
    village_id: str | None
    village_name: str
    address: str
    visits: int  # in the month asked for
    last_visit_at: datetime | None
    compliant: bool  # visited at least once in the month
    active: bool


@dataclass(frozen=True, slots=True)
class VisitView:
    id: int
    person_id: str
    person_name: str
    household_id: str
    household_name: str
    visited_at: datetime
    note: str
    has_photo: bool
    latitude: float | None
    longitude: float | None
    recorded_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ReminderView:
    key: str
    kind: str
    month: str
    person_id: str | None
    text: str
    created_at: datetime


def visit_views(session: Session, rows: Sequence[Visit]) -> list[VisitView]:
    """The visits with the cadre's and the household's names."""
    households = PairingsRepository(session).households({r.household_id for r in rows})
    people = PeopleRepository(session)
    names: dict[str, str] = {}
    for r in rows:
        if r.person_id not in names:
            p = people.get(r.person_id, include_deleted=True)
            names[r.person_id] = p.name if p else r.person_id
    return [
        VisitView(
            id=r.id, person_id=r.person_id, person_name=names[r.person_id], household_id=r.household_id,
            household_name=households[r.household_id].name if r.household_id in households else r.household_id,
            visited_at=r.visited_at, note=r.note, has_photo=r.photo_path is not None, latitude=r.latitude,
            longitude=r.longitude, recorded_by=r.recorded_by, created_at=r.created_at,
        )
        for r in rows
    ]
