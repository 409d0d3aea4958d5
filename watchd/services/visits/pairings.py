"""Pairings in a month with their visits in that month: every pairing needs at least one visit a month."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from watchd.db.repositories.pairings import PairingsRepository
from watchd.db.repositories.people import PeopleRepository
from watchd.db.repositories.sites import SitesRepository
from watchd.db.repositories.visits import VisitsRepository
from watchd.db.session import Database
from watchd.domain.attendance.schedule import midnight
from watchd.domain.attendance.visits import PairingSpan, pairing_months
from watchd.domain.leave import month_bounds
from watchd.services.auth import Principal
from watchd.services.leave import narrow, visible_people
from watchd.services.visits.views import PairingView


def month_span(month: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The month of `month` as [start, end) in time."""
    first, nxt = month_bounds(month)
    return midnight(first, zone), midnight(nxt, zone)


class Pairings:
    def __init__(self, db: Database, zone: ZoneInfo) -> None:
        self.db = db
        self.zone = zone

    def pairings(self, month: date, *, person_ids: Sequence[str] | None = None) -> list[PairingView]:
        """Pairings active in the month, with their visits in that month."""
        start, end = month_span(month, self.zone)
        with self.db.read() as s:
            repo = PairingsRepository(s)
            pairs = [
                (PairingSpan(p.person_id, p.household_id, p.created_at, p.ended_at), h.id, h.name, h.site_id, h.address)
                for p, h in repo.pairings(active_from=start, active_until=end, person_ids=person_ids)
            ]
            visits = [
                (v.person_id, v.household_id, v.visited_at)
                for v in VisitsRepository(s).between(start, end, person_ids=person_ids)
            ]
            sites = {v.id: v.name for v in SitesRepository(s).list_sites()}
            people = PeopleRepository(s)
            persons = {}
            for pid in {p.person_id for p, *_ in pairs}:
                person = people.get(pid, include_deleted=True)
                persons[pid] = (person.name, person.organisation) if person else (pid, "")
        months = {(m.person_id, m.household_id): m for m in pairing_months([p for p, *_ in pairs], visits, start, end)}
        out = []
        for p, hid, hname, site_id, address in pairs:
            m = months.get((p.person_id, p.household_id))
            name, org = persons[p.person_id]
            out.append(
                PairingView(
                    person_id=p.person_id, person_name=name, organisation=org, household_id=hid, household_name=hname,
                    village_id=site_id, village_name=sites.get(site_id or "", ""), address=address,
                    visits=m.visits if m else 0, last_visit_at=m.last_visit_at if m else None,
                    compliant=bool(m and m.visits > 0), active=p.ended_at is None,
                )
            )
        return out

    def compliance(self, first: date, last: date, person_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
        """{person: (compliant pairing-months, pairing-months)} over the months of [first, last], for the
        given people (those with no pairing are left out): one grouped query a month, whoever many people."""
        wanted = set(person_ids)
        out: dict[str, tuple[int, int]] = {}
        month = first.replace(day=1)
        with self.db.read() as s:
            repo = PairingsRepository(s)
            while month <= last:
                start, end = month_span(month, self.zone)
                for person, total, visited in repo.compliance_counts(start=start, end=end):
                    if person in wanted:
                        done, n = out.get(person, (0, 0))
                        out[person] = (done + visited, n + total)
                month = month_bounds(month)[1]
        return out

    def pairings_for(self, actor: Principal, month: date, person_id: str | None = None) -> list[PairingView]:
        with self.db.read() as s:
            wanted = narrow(visible_people(PeopleRepository(s), actor), person_id)
        return self.pairings(month, person_ids=wanted)
