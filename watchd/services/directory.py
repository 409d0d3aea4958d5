"""Names for reports and pages: people (with organisation and assigned villages) and sites."""

from __future__ import annotations

from dataclasses import dataclass

from watchd.db.repositories.people import PeopleRepository
from watchd.db.repositories.sites import SitesRepository
from watchd.db.session import Database


@dataclass(frozen=True, slots=True)
class PersonEntry:
    id: str
    name: str
    organisation: str
    role: str
    villages: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Directory:
    people: dict[str, PersonEntry]
    sites: dict[str, str]  # id -> name
    village_ids: tuple[str, ...]

    def person_name(self, person_id: str) -> str:
        entry = self.people.get(person_id)
        return entry.name if entry else person_id

    def site_name(self, site_id: str | None) -> str:
        return "" if site_id is None else self.sites.get(site_id, site_id)


def load_directory(db: Database) -> Directory:
    with db.read() as s:
        rows = PeopleRepository(s).rows()
        villages = PeopleRepository(s).villages_of([p.id for p in rows])
        sites = [(x.id, x.name, x.kind) for x in SitesRepository(s).list_sites()]
    return Directory(
        people={p.id: PersonEntry(p.id, p.name, p.organisation, p.role, tuple(villages.get(p.id, []))) for p in rows},
        sites={sid: name for sid, name, _ in sites},
        village_ids=tuple(sid for sid, _, kind in sites if kind == "village"),
    )
