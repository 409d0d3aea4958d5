"""The rectification ledger (整改台账): a leader opens an item (problem, measure, owner, deadline)
from an incident, a spot-check miss, an attendance problem or by hand, and signs it off (销号) with
a note and an optional photo. A cadre sees their own items; a leader those of their organisation;
an administrator all."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from watchd.db.models import Person, RectificationItem
from watchd.db.repositories.people import PeopleRepository
from watchd.db.repositories.rectifications import RectificationsRepository
from watchd.db.session import Database
from watchd.domain.checkin import local_day
from watchd.errors import Conflict, Forbidden, Invalid, NotFound
from watchd.services.auth import Principal
from watchd.services.leave import is_leader_of, person_or_404, visible_people
from watchd.settings.root import Settings
from watchd.vision.images import ImageRejected, decode_image

log = logging.getLogger(__name__)
SOURCE_KINDS = {"incident": "警情", "spot_check": "抽查", "attendance": "考勤", "manual": "手工"}
MAX_TEXT = 500


@dataclass(frozen=True, slots=True)
class NewItem:
    source_kind: str
    problem: str
    measure: str
    owner_id: str
    deadline: date
    source_ref: str = ""


@dataclass(frozen=True, slots=True)
class ItemView:
    id: int
    source_kind: str
    source_ref: str
    organisation: str
    problem: str
    measure: str
    owner_id: str
    owner_name: str
    deadline: date
    status: str  # open | closed
    overdue: bool
    opened_by: str
    opened_at: datetime
    closed_by: str | None
    closed_at: datetime | None
    close_note: str
    has_photo: bool


class Ledger:
    def __init__(
        self, db: Database, settings: Settings, data_dir: Path, clock: Callable[[], datetime]
    ) -> None:
        self.db = db
        self.settings = settings
        self.data_dir = data_dir
        self.clock = clock

    def today(self) -> date:
        return local_day(self.clock(), self.settings.zone)

    def open_item(self, actor: Principal, new: NewItem) -> ItemView:
        if new.source_kind not in SOURCE_KINDS:
            raise Invalid(
                "rectification_bad_source",
                f"source_kind is one of {sorted(SOURCE_KINDS)}",
                field="source_kind",
            )
        ref = new.source_ref.strip()
        if len(ref) > 100:
            raise Invalid(
                "rectification_bad_source", "source_ref has at most 100 characters", field="source_ref"
            )
        if new.source_kind != "manual" and not ref:
            raise Invalid(
                "rectification_bad_source", f"a {new.source_kind} item names its source", field="source_ref"
            )
        problem, measure = new.problem.strip(), new.measure.strip()
        for name, value in (("problem", problem), ("measure", measure)):
            if not 1 <= len(value) <= MAX_TEXT:
                raise Invalid("rectification_text", f"{name} has 1-{MAX_TEXT} characters", field=name)
        if new.deadline < self.today():
            raise Invalid("rectification_deadline_past", "the deadline is in the past", field="deadline")
        now = self.clock()
        with self.db.unit_of_work() as s:
            people = PeopleRepository(s)
            owner = person_or_404(people, new.owner_id)
            _check_leader(people, actor, owner)
            repo = RectificationsRepository(s)
            if new.source_kind == "incident" and not (ref.isdigit() and repo.incident_exists(int(ref))):
                raise NotFound("incident_not_found", f"no incident {ref!r}", field="source_ref")
            row = repo.add(
                RectificationItem(
                    source_kind=new.source_kind,
                    source_ref=ref,
                    organisation=owner.organisation,
                    problem=problem,
                    measure=measure,
                    owner_id=owner.id,
                    deadline=new.deadline,
                    status="open",
                    opened_by=actor.username,
                    opened_at=now,
                    close_note="",
                )
            )
            view = self._view(s, row)
        log.info(
            "rectification %d opened by %s for %s, due %s",
            view.id,
            actor.username,
            view.owner_id,
            view.deadline,
        )
        return view

    def sign_off(self, actor: Principal, item_id: int, note: str, photo: bytes | None) -> ItemView:
        note = note.strip()
        if not 1 <= len(note) <= MAX_TEXT:
            raise Invalid(
                "rectification_note", f"the sign-off note has 1-{MAX_TEXT} characters", field="note"
            )
        path = self._save_photo(photo) if photo else None
        try:
            with self.db.unit_of_work() as s:
                people = PeopleRepository(s)
                row = self._visible(s, actor, item_id, for_update=True)
                _check_leader(people, actor, person_or_404(people, row.owner_id))
                if row.status != "open":
                    raise Conflict("rectification_closed", f"item {item_id} was signed off already")
                row.status, row.closed_by, row.closed_at = "closed", actor.username, self.clock()
                row.close_note, row.photo_path = note, path
                view = self._view(s, row)
        except BaseException:
            if path:
                (self.data_dir / path).unlink(missing_ok=True)
            raise
        log.info("rectification %d signed off by %s", item_id, actor.username)
        return view

    def items(self, actor: Principal, *, status: str | None = None, overdue: bool = False) -> list[ItemView]:
        with self.db.read() as s:
            owners = visible_people(PeopleRepository(s), actor)
            rows = RectificationsRepository(s).search(
                owner_ids=owners,
                status="open" if overdue else status,
                due_before=self.today() if overdue else None,
            )
            return [self._view(s, r) for r in rows]

    def item(self, actor: Principal, item_id: int) -> ItemView:
        with self.db.read() as s:
            return self._view(s, self._visible(s, actor, item_id))

    def photo(self, actor: Principal, item_id: int) -> Path | None:
        with self.db.read() as s:
            row = self._visible(s, actor, item_id)
            return self.data_dir / row.photo_path if row.photo_path else None

    def _visible(
        self, s: Session, actor: Principal, item_id: int, *, for_update: bool = False
    ) -> RectificationItem:
        row = RectificationsRepository(s).get(item_id, for_update=for_update)
        allowed = visible_people(PeopleRepository(s), actor)
        if row is None or (allowed is not None and row.owner_id not in allowed):
            raise NotFound("rectification_not_found", f"no rectification item {item_id}")
        return row

    def _save_photo(self, photo: bytes) -> str:
        rec = self.settings.recognition
        try:
            decode_image(photo, max_bytes=rec.max_upload_bytes, max_pixels=rec.max_pixels)
        except ImageRejected as exc:
            raise Invalid(exc.code, exc.message, field="photo") from None
        suffix = ".png" if photo.startswith(b"\x89PNG") else ".jpg"
        rel = Path("rectifications") / f"{self.today():%Y-%m}" / f"{uuid.uuid4().hex}{suffix}"
        (self.data_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (self.data_dir / rel).write_bytes(photo)
        return str(rel)

    def _view(self, s: Session, r: RectificationItem) -> ItemView:
        owner = PeopleRepository(s).get(r.owner_id, include_deleted=True)
        return ItemView(
            id=r.id,
            source_kind=r.source_kind,
            source_ref=r.source_ref,
            organisation=r.organisation,
            problem=r.problem,
            measure=r.measure,
            owner_id=r.owner_id,
            owner_name=owner.name if owner else r.owner_id,
            deadline=r.deadline,
            status=r.status,
            overdue=r.status == "open" and r.deadline < self.today(),
            opened_by=r.opened_by,
            opened_at=r.opened_at,
            closed_by=r.closed_by,
            closed_at=r.closed_at,
            close_note=r.close_note,
            has_photo=r.photo_path is not None,
        )


def _check_leader(people: PeopleRepository, actor: Principal, owner: Person) -> None:
    """The owner's leader (same organisation, never their own item) or an administrator."""
    if actor.role != "admin" and not is_leader_of(people, actor, owner):
        raise Forbidden("rectification_not_the_leader", f"{actor.username} is not a leader of {owner.id}")
