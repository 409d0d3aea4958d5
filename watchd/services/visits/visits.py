"""Cadres' visits to their paired households: recorded from the phone (with photo and location, a
resend with the same client key stored once), listed and shown to those who may see them."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from watchd.db.models import Visit
from watchd.db.repositories.pairings import PairingsRepository
from watchd.db.repositories.people import PeopleRepository
from watchd.db.repositories.visits import VisitsRepository
from watchd.db.session import Database
from watchd.domain.checkin import local_day
from watchd.errors import Invalid, NotFound
from watchd.ops.datafiles import delete_data_file
from watchd.services.auth import Principal
from watchd.services.leave import check_may_file, narrow, person_or_404, visible_people
from watchd.services.visits.pairings import month_span
from watchd.services.visits.views import VisitView, visit_views
from watchd.settings.root import Settings
from watchd.vision.images import ImageRejected, decode_image

log = logging.getLogger(__name__)
KEY_RE = re.compile(r"^[A-Za-z0-9_.:-]{8,80}$")


@dataclass(frozen=True, slots=True)
class NewVisit:
    person_id: str
    household_id: str
    visited_at: datetime
    note: str = ""
    photo: bytes | None = None
    latitude: float | None = None
    longitude: float | None = None
    client_key: str | None = None


class Visits:
    def __init__(self, db: Database, settings: Settings, data_dir: Path, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.settings = settings
        self.zone = settings.zone
        self.data_dir = data_dir
        self.clock = clock
        self.lookback = timedelta(days=settings.attendance.lookback_days)
        self.max_skew = timedelta(minutes=settings.checkin.max_clock_skew_minutes)

    def record_visit(self, actor: Principal, new: NewVisit) -> tuple[VisitView, bool]:
        """Store a visit; a resend with the same client key returns the stored one (False)."""
        now = self.clock()
        if new.client_key is not None and not KEY_RE.match(new.client_key):
            raise Invalid("bad_key", "client_key must be 8-80 characters of [A-Za-z0-9_.:-]")
        if new.visited_at.tzinfo is None:
            raise Invalid("naive_time", "visited_at must carry a UTC offset")
        if new.visited_at - now > self.max_skew:
            raise Invalid("visit_in_future", "the visit time is in the future")
        if now - new.visited_at > self.lookback:
            raise Invalid("visit_too_old", f"visits may be recorded at most {self.lookback.days} days back")
        if len(new.note) > 500:
            raise Invalid("note_too_long", "the note has at most 500 characters")
        if (new.latitude is None) != (new.longitude is None):
            raise Invalid("bad_location", "give both latitude and longitude, or neither")
        if new.latitude is not None and not (-90 <= new.latitude <= 90 and -180 <= (new.longitude or 0) <= 180):
            raise Invalid("bad_location", "latitude must be within ±90 and longitude within ±180")
        with self.db.read() as s:
            people = PeopleRepository(s)
            check_may_file(people, actor, person_or_404(people, new.person_id))
            if new.client_key is not None:
                found = VisitsRepository(s).by_key(new.person_id, new.client_key)
                if found is not None:
                    return self.visit(found.id), False
        photo_path = self._save_photo(new) if new.photo else None
        with self.db.unit_of_work() as s:
            repo = PairingsRepository(s)
            if repo.household(new.household_id) is None:
                raise NotFound("household_not_found", f"no household {new.household_id!r}")
            pairing = repo.pairing(new.person_id, new.household_id)
            if pairing is None or pairing.ended_at is not None:
                raise Invalid("not_paired", f"{new.person_id} is not paired with household {new.household_id}")
            row = VisitsRepository(s).add(
                Visit(
                    person_id=new.person_id, household_id=new.household_id, visited_at=new.visited_at,
                    note=new.note.strip(), photo_path=photo_path, latitude=new.latitude, longitude=new.longitude,
                    client_key=new.client_key, created_at=now, recorded_by=actor.username,
                )
            )
            visit_id = row.id if row is not None else None
        if visit_id is None:  # the same key arrived twice at once
            delete_data_file(self.data_dir, photo_path, "visit replay")
            with self.db.read() as s:
                found = VisitsRepository(s).by_key(new.person_id, new.client_key or "")
                assert found is not None
                return self.visit(found.id), False
        log.info("visit %d: %s at household %s (%s)", visit_id, new.person_id, new.household_id, new.visited_at)
        return self.visit(visit_id), True

    def _save_photo(self, new: NewVisit) -> str:
        rec = self.settings.recognition
        try:
            decode_image(new.photo or b"", max_bytes=rec.max_upload_bytes, max_pixels=rec.max_pixels)
        except ImageRejected as exc:
            raise Invalid(exc.code, exc.message) from None
        suffix = ".png" if (new.photo or b"").startswith(b"\x89PNG") else ".jpg"
        rel = Path("visits") / local_day(new.visited_at, self.zone).strftime("%Y-%m") / f"{uuid.uuid4().hex}{suffix}"
        path = self.data_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(new.photo or b"")
        return str(rel)

    def visit(self, visit_id: int) -> VisitView:
        with self.db.read() as s:
            row = VisitsRepository(s).get(visit_id)
            if row is None:
                raise NotFound("visit_not_found", f"no visit {visit_id}")
            return visit_views(s, [row])[0]

    def visits(self, actor: Principal, month: date, person_id: str | None = None) -> list[VisitView]:
        start, end = month_span(month, self.zone)
        with self.db.read() as s:
            wanted = narrow(visible_people(PeopleRepository(s), actor), person_id)
            rows = VisitsRepository(s).between(start, end, person_ids=wanted, limit=5000)
            return visit_views(s, rows)

    def visit_photo(self, actor: Principal, visit_id: int) -> Path | None:
        with self.db.read() as s:
            row = VisitsRepository(s).get(visit_id)
            if row is None:
                raise NotFound("visit_not_found", f"no visit {visit_id}")
            allowed = visible_people(PeopleRepository(s), actor)
            if allowed is not None and row.person_id not in allowed:
                raise NotFound("visit_not_found", f"no visit {visit_id}")
            return self.data_dir / row.photo_path if row.photo_path else None
