"""People, their villages and their face templates."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from watchd.db.models import Checkin, FaceTemplate, Person, PersonVillage


@dataclass(frozen=True, slots=True)
class PersonRow:
    id: str
    name: str
    role: str
    organisation: str
    phone: str | None
    created_at: datetime
    deleted_at: datetime | None


class PeopleRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def rows(self, ids: Iterable[str] | None = None) -> list[PersonRow]:
        """Everybody (the deleted too, for the days they were employed) as plain rows, by id."""
        stmt = select(
            Person.id, Person.name, Person.role, Person.organisation, Person.phone, Person.created_at,
            Person.deleted_at,
        ).order_by(Person.id)
        if ids is not None:
            stmt = stmt.where(Person.id.in_(list(ids)))
        return [PersonRow(*r) for r in self.session.execute(stmt)]

    def active_ids(self, ids: Iterable[str]) -> set[str]:
        """Those of `ids` who are people and not deleted."""
        ids = set(ids)
        if not ids:
            return set()
        return set(self.session.scalars(select(Person.id).where(Person.id.in_(ids), Person.deleted_at.is_(None))))

    def get(self, person_id: str, *, include_deleted: bool = False) -> Person | None:
        row = self.session.get(Person, person_id)
        if row is None or (row.deleted_at is not None and not include_deleted):
            return None
        return row

    def many(self, ids: Iterable[str]) -> dict[str, Person]:
        """These people by id, the deleted too."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        return {p.id: p for p in self.session.scalars(select(Person).where(Person.id.in_(wanted))).all()}

    def list_active(self) -> Sequence[Person]:
        return self.session.scalars(select(Person).where(Person.deleted_at.is_(None)).order_by(Person.id)).all()

    def upsert(
        self, *, person_id: str, name: str, phone: str | None, role: str, organisation: str, now: datetime
    ) -> Person:
        row = self.session.get(Person, person_id)
        if row is None:
            row = Person(id=person_id, name=name, phone=phone, role=role, organisation=organisation, created_at=now)
            self.session.add(row)
        else:
            row.name, row.phone, row.role, row.organisation = name, phone, role, organisation
            row.deleted_at = None
        return row

    def set_villages(self, person_id: str, villages: Sequence[str]) -> None:
        self.session.execute(delete(PersonVillage).where(PersonVillage.person_id == person_id))
        self.session.add_all(PersonVillage(person_id=person_id, site_id=v) for v in dict.fromkeys(villages))

    def villages_of(self, person_ids: Sequence[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {p: [] for p in person_ids}
        rows = self.session.execute(
            select(PersonVillage.person_id, PersonVillage.site_id)
            .where(PersonVillage.person_id.in_(person_ids))
            .order_by(PersonVillage.site_id)
        )
        for person_id, site_id in rows:
            out[person_id].append(site_id)
        return out

    def people_of_village(self, site_id: str) -> Sequence[Person]:
        return self.session.scalars(
            select(Person)
            .join(PersonVillage, PersonVillage.person_id == Person.id)
            .where(PersonVillage.site_id == site_id, Person.deleted_at.is_(None))
            .order_by(Person.id)
        ).all()

    def add_template(
        self, *, person_id: str, encoding: bytes, model_version: str, photo_sha256: str,
        photo_path: str | None, now: datetime,
    ) -> FaceTemplate:
        row = FaceTemplate(
            person_id=person_id, encoding=encoding, model_version=model_version,
            photo_sha256=photo_sha256, photo_path=photo_path, created_at=now,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def template_counts(self) -> dict[str, int]:
        rows = self.session.execute(select(FaceTemplate.person_id, func.count()).group_by(FaceTemplate.person_id))
        return {person_id: count for person_id, count in rows}

    def templates(self, person_id: str) -> Sequence[FaceTemplate]:
        return self.session.scalars(
            select(FaceTemplate).where(FaceTemplate.person_id == person_id).order_by(FaceTemplate.id)
        ).all()

    def gallery_rows(self, model_version: str) -> list[tuple[str, bytes]]:
        """Every template of every active person for the given model, as (person_id, encoding)."""
        rows = self.session.execute(
            select(FaceTemplate.person_id, FaceTemplate.encoding)
            .join(Person, Person.id == FaceTemplate.person_id)
            .where(Person.deleted_at.is_(None), FaceTemplate.model_version == model_version)
            .order_by(FaceTemplate.person_id, FaceTemplate.id)
        )
        return [(p, e) for p, e in rows]

    def gallery_signature(self, model_version: str) -> tuple[int, int]:
        """(count, sum of ids) of the templates gallery_rows() returns: changes with any enrolment,
        erasure or person deletion, on whichever node it happened."""
        count, total = self.session.execute(
            select(func.count(FaceTemplate.id), func.coalesce(func.sum(FaceTemplate.id), 0))
            .join(Person, Person.id == FaceTemplate.person_id)
            .where(Person.deleted_at.is_(None), FaceTemplate.model_version == model_version)
        ).one()
        return int(count), int(total)

    def delete_templates(self, person_id: str) -> list[str]:
        """Delete the person's templates; return the photo files they referenced."""
        paths = [t.photo_path for t in self.templates(person_id) if t.photo_path]
        self.session.execute(delete(FaceTemplate).where(FaceTemplate.person_id == person_id))
        return paths

    def checkins_with_snapshots(self, person_id: str) -> Sequence[Checkin]:
        """The person's check-ins that still have a face snapshot, oldest first."""
        return self.session.scalars(
            select(Checkin)
            .where(Checkin.person_id == person_id, Checkin.snapshot_path.is_not(None))
            .order_by(Checkin.occurred_at, Checkin.id)
        ).all()

    def erase_checkin_snapshots(self, person_id: str) -> list[str]:
        """Detach face snapshots from the person's check-ins; return the files to remove."""
        rows = self.checkins_with_snapshots(person_id)
        paths = [r.snapshot_path for r in rows if r.snapshot_path]
        for r in rows:
            r.snapshot_path = None
        return paths

    def mark_deleted(self, person_id: str, now: datetime) -> None:
        row = self.session.get(Person, person_id)
        if row is not None:
            row.deleted_at = now
            row.phone = None
