"""People, the configuration seed, and biometric enrolment and erasure."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from watchd.db.repositories.audit import AuditRepository
from watchd.db.repositories.people import PeopleRepository
from watchd.db.repositories.sites import SitesRepository
from watchd.db.session import Database
from watchd.errors import Conflict, Invalid, NotFound
from watchd.ops.datafiles import delete_data_file
from watchd.settings.root import Settings
from watchd.settings.sites import PersonSettings, SiteKind
from watchd.vision.faces import FaceRejected
from watchd.vision.images import ImageRejected
from watchd.vision.recognition import RecognitionEngine, encoding_to_bytes

log = logging.getLogger(__name__)
MAX_PHOTOS_PER_REQUEST = 10


@dataclass(frozen=True, slots=True)
class PersonView:
    id: str
    name: str
    phone: str | None
    role: str
    organisation: str
    villages: list[str]
    templates: int


@dataclass(frozen=True, slots=True)
class PhotoResult:
    filename: str
    ok: bool
    code: str
    message: str
    template_id: int | None = None


@dataclass(slots=True)
class EnrollmentReport:
    person_id: str
    results: list[PhotoResult] = field(default_factory=list)
    templates: int = 0

    @property
    def stored(self) -> int:
        return sum(1 for r in self.results if r.ok)


class PeopleService:
    def __init__(
        self, db: Database, engine: RecognitionEngine, clock: Callable[[], datetime], data_dir: Path,
        keep_photos: bool,
    ) -> None:
        self.db = db
        self.engine = engine
        self.clock = clock
        self.photo_dir = data_dir / "photos"
        self.snapshot_root = data_dir
        self.keep_photos = keep_photos
        self._gallery_signature: tuple[int, int] | None = None  # of the templates last loaded
        # Refuses (409, naming where) to delete someone an alert may need, or to take their phone
        # number away: `PersonDuties.check_free`, set by the composition root once the roster exists.
        self.check_free: Callable[[str, str], None] | None = None

    def sync_from_config(self, settings: Settings) -> None:
        """Make the database agree with the sites, devices and people the config declares."""
        now = self.clock()
        with self.db.unit_of_work() as s:
            sites = SitesRepository(s)
            for site in settings.sites:
                sites.upsert_site(site.id, site.name, site.kind.value)
            s.flush()
            for dev in settings.devices:
                sites.upsert_device(dev.id, dev.kind, dev.site, dev.name, dev.enabled)
            sites.disable_devices_except({d.id for d in settings.devices if d.enabled})
            people = PeopleRepository(s)
            for p in settings.people:
                people.upsert(
                    person_id=p.id, name=p.name, phone=p.phone, role=p.role.value,
                    organisation=p.organisation, now=now,
                )
                s.flush()
                people.set_villages(p.id, p.villages)
        self.reload_gallery()

    def reload_gallery(self) -> None:
        with self.db.read() as s:
            repo = PeopleRepository(s)
            signature = repo.gallery_signature(self.engine.model_version)
            rows = repo.gallery_rows(self.engine.model_version)
        self.engine.load_gallery(rows)
        self._gallery_signature = signature

    def refresh_gallery(self) -> bool:
        """Reload the gallery if the templates changed since it was loaded (another node enrolled or
        erased someone); True when it did. Cheap: one aggregate query."""
        with self.db.read() as s:
            signature = PeopleRepository(s).gallery_signature(self.engine.model_version)
        if signature == self._gallery_signature:
            return False
        self.reload_gallery()
        log.info("face gallery reloaded: templates changed elsewhere (%d now)", signature[0])
        return True

    def list(self) -> list[PersonView]:
        with self.db.read() as s:
            repo = PeopleRepository(s)
            rows = repo.list_active()
            villages = repo.villages_of([p.id for p in rows])
            counts = repo.template_counts()
            return [
                PersonView(p.id, p.name, p.phone, p.role, p.organisation, villages[p.id], counts.get(p.id, 0))
                for p in rows
            ]

    def get(self, person_id: str) -> PersonView:
        with self.db.read() as s:
            repo = PeopleRepository(s)
            p = repo.get(person_id)
            if p is None:
                raise NotFound("person_not_found", f"no person {person_id!r}")
            return PersonView(
                p.id, p.name, p.phone, p.role, p.organisation, repo.villages_of([p.id])[p.id],
                len(repo.templates(p.id)),
            )

    def create(self, person: PersonSettings, *, actor: str = "system", replace: bool = False) -> PersonView:
        with self.db.unit_of_work() as s:
            people, sites = PeopleRepository(s), SitesRepository(s)
            existing = people.get(person.id)
            if not replace and existing is not None:
                raise Conflict("person_exists", f"person {person.id!r} already exists")
            if existing is not None and existing.phone and not person.phone and self.check_free is not None:
                self.check_free(person.id, "去掉手机号")
            for village in person.villages:
                site = sites.get_site(village)
                if site is None or site.kind != SiteKind.village.value:
                    raise Invalid("unknown_village", f"{village!r} is not a village site", village=village)
            people.upsert(
                person_id=person.id, name=person.name, phone=person.phone, role=person.role.value,
                organisation=person.organisation, now=self.clock(),
            )
            s.flush()
            people.set_villages(person.id, person.villages)
            AuditRepository(s).add(
                at=self.clock(), actor=actor, action="person.create", target_type="person", target_id=person.id,
                details={"name": person.name, "role": person.role.value, "villages": list(person.villages)},
            )
        return self.get(person.id)

    def ensure_person(self, person_id: str, name: str | None) -> None:
        """For the enrol command: create a minimal cadre record when the person is new and a name is given."""
        with self.db.unit_of_work() as s:
            people = PeopleRepository(s)
            existing = people.get(person_id, include_deleted=True)
            if existing is not None and existing.deleted_at is None:
                if name:
                    existing.name = name
                return
            if not name:
                raise NotFound("person_not_found", f"no person {person_id!r}; give --name to create one")
            people.upsert(person_id=person_id, name=name, phone=None, role="cadre", organisation="", now=self.clock())

    def enroll(self, person_id: str, photos: Sequence[tuple[str, bytes]], *, actor: str = "system") -> EnrollmentReport:
        """Add one template per usable photo; a refused photo stores nothing."""
        if not photos:
            raise Invalid("no_photos", "no photo given")
        if len(photos) > MAX_PHOTOS_PER_REQUEST:
            raise Invalid("too_many_photos", f"at most {MAX_PHOTOS_PER_REQUEST} photos per request")
        self.get(person_id)
        report = EnrollmentReport(person_id)
        for filename, data in photos:
            report.results.append(self._enroll_one(person_id, filename, data, actor))
        self.reload_gallery()
        report.templates = self.get(person_id).templates
        return report

    def _enroll_one(self, person_id: str, filename: str, data: bytes, actor: str) -> PhotoResult:
        try:
            analysis = self.engine.analyze_enrollment(data)
        except (ImageRejected, FaceRejected) as exc:
            log.info("enrolment photo %r for %s refused: %s", filename, person_id, exc.message)
            return PhotoResult(filename, False, exc.code, exc.message)
        digest = hashlib.sha256(data).hexdigest()
        photo_path = self._keep_photo(person_id, digest, data) if self.keep_photos else None
        with self.db.unit_of_work() as s:
            row = PeopleRepository(s).add_template(
                person_id=person_id, encoding=encoding_to_bytes(analysis.encoding),
                model_version=self.engine.model_version, photo_sha256=digest, photo_path=photo_path,
                now=self.clock(),
            )
            template_id = row.id
            AuditRepository(s).add(
                at=self.clock(), actor=actor, action="faces.enroll", target_type="person", target_id=person_id,
                details={"template_id": template_id, "photo_sha256": digest},
            )
        log.info("enrolled a face template for %s from %r", person_id, filename)
        return PhotoResult(filename, True, "enrolled", "template stored", template_id)

    def _keep_photo(self, person_id: str, digest: str, data: bytes) -> str:
        folder = self.photo_dir / person_id
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{digest}.img"
        path.write_bytes(data)
        return str(path.relative_to(self.photo_dir.parent))

    def delete_faces(self, person_id: str, *, actor: str = "system") -> int:
        """Delete every face template and kept photo of the person."""
        self.get(person_id)
        with self.db.unit_of_work() as s:
            repo = PeopleRepository(s)
            count = len(repo.templates(person_id))
            paths = repo.delete_templates(person_id)
            AuditRepository(s).add(
                at=self.clock(), actor=actor, action="faces.delete", target_type="person", target_id=person_id,
                details={"templates": count},
            )
        self._remove_files(paths)
        self.reload_gallery()
        log.info("deleted %d face templates of %s", count, person_id)
        return count

    def delete(self, person_id: str, *, actor: str = "system") -> None:
        """Delete a person: all biometric data (templates, photos, face snapshots) is erased (PIPL).

        The person row stays, marked deleted and without a phone number, so past attendance
        records keep a name.
        """
        self.get(person_id)
        if self.check_free is not None:
            self.check_free(person_id, "删除")
        with self.db.unit_of_work() as s:
            repo = PeopleRepository(s)
            paths = repo.delete_templates(person_id) + repo.erase_checkin_snapshots(person_id)
            repo.set_villages(person_id, [])
            repo.mark_deleted(person_id, self.clock())
            AuditRepository(s).add(
                at=self.clock(), actor=actor, action="person.delete", target_type="person", target_id=person_id,
                details={"biometric_files_erased": len(paths)},
            )
        self._remove_files(paths)
        self.reload_gallery()
        log.info("deleted person %s and their biometric data", person_id)

    def _remove_files(self, relative_paths: Sequence[str]) -> None:
        for rel in relative_paths:
            delete_data_file(self.snapshot_root, rel, "person erasure")
