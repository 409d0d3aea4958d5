"""Today's check-ins by village: who checked in, who has not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from watchd.db.repositories.people import PeopleRepository
from watchd.db.repositories.sites import SitesRepository
from watchd.db.session import Database
from watchd.services.checkins import CheckinService, CheckinView
from watchd.settings.sites import SiteKind


@dataclass(frozen=True, slots=True)
class VillageDay:
    site_id: str
    name: str
    checkins: list[CheckinView]
    assigned: list[str]
    missing: list[str]  # names of assigned people with no check-in here that day


def village_day(db: Database, checkins: CheckinService, day: date) -> list[VillageDay]:
    with db.read() as s:
        villages = [(v.id, v.name) for v in SitesRepository(s).list_sites() if v.kind == SiteKind.village.value]
        people = PeopleRepository(s)
        assigned = {vid: [(p.id, p.name) for p in people.people_of_village(vid)] for vid, _ in villages}
    out = []
    for vid, vname in villages:
        rows = sorted(checkins.search(day=day, site_id=vid, limit=10_000), key=lambda c: c.occurred_at)
        present = {c.person_id for c in rows}
        out.append(
            VillageDay(
                site_id=vid, name=vname, checkins=rows, assigned=[n for _, n in assigned[vid]],
                missing=[n for pid, n in assigned[vid] if pid not in present],
            )
        )
    return out
