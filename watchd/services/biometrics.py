"""One person's biometric data (PIPL): export it as a ZIP, or erase it and keep their attendance.

Biometric data here is the face templates (with their model version and dates), the enrolment
photos kept when `recognition.keep_enrollment_photos` is on, and the face snapshots of the
person's check-ins. Erasing forgets the templates in the in-memory gallery before anything else,
so recognition stops matching the person at once; check-ins stay, without their snapshots.
Both are audited with the actor and the counts.
"""

from __future__ import annotations

import json
import logging
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from watchd.db.repositories.audit import AuditRepository
from watchd.db.repositories.people import PeopleRepository
from watchd.ops.datafiles import delete_data_file
from watchd.services.people import PeopleService

log = logging.getLogger(__name__)
FORMAT = "watchd-biometrics/1"


@dataclass(frozen=True, slots=True)
class BiometricCounts:
    templates: int
    photos: int
    snapshots: int


def _image_suffix(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return ".png"
    return ".jpg" if data.startswith(b"\xff\xd8") else ".bin"


class BiometricsService:
    def __init__(self, people: PeopleService) -> None:
        self.people = people
        self.db = people.db
        self.clock = people.clock
        self.data_dir = people.snapshot_root

    def _read(self, rel: str) -> bytes | None:
        root = self.data_dir.resolve()
        path = (root / rel).resolve()
        if not path.is_relative_to(root):
            return None
        try:
            return path.read_bytes()
        except OSError:
            return None

    def export(self, person_id: str, out: IO[bytes], *, actor: str) -> BiometricCounts:
        """Write a ZIP to `out`: manifest.json, photos/, snapshots/. Files gone from disk are listed as missing."""
        person = self.people.get(person_id)
        now = self.clock()
        with self.db.read() as s:
            repo = PeopleRepository(s)
            templates = [
                (t.id, t.model_version, t.created_at, t.photo_sha256, t.encoding, t.photo_path)
                for t in repo.templates(person_id)
            ]
            checkins = [
                (c.id, c.occurred_at, c.site_id, c.device_id, c.snapshot_path or "")
                for c in repo.checkins_with_snapshots(person_id)
            ]
        photos = snapshots = 0
        manifest: dict[str, Any] = {
            "format": FORMAT, "exported_at": now.isoformat(), "exported_by": actor,
            "person": {"id": person.id, "name": person.name, "role": person.role, "organisation": person.organisation},
            "templates": [], "checkin_snapshots": [],
        }
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for tid, model, created, sha, encoding, photo_path in templates:
                entry: dict[str, Any] = {
                    "id": tid, "model_version": model, "created_at": created.isoformat(), "photo_sha256": sha,
                    "encoding": np.frombuffer(encoding, dtype="<f8").tolist(), "photo": None,
                }
                data = self._read(photo_path) if photo_path else None
                if data is not None:
                    entry["photo"] = f"photos/{tid}{_image_suffix(data)}"
                    zf.writestr(entry["photo"], data)
                    photos += 1
                elif photo_path:
                    entry["photo_missing"] = True
                manifest["templates"].append(entry)
            for cid, occurred, site, device, rel in checkins:
                item: dict[str, Any] = {
                    "checkin_id": cid, "occurred_at": occurred.isoformat(), "site_id": site, "device_id": device,
                    "file": None,
                }
                data = self._read(rel)
                if data is not None:
                    item["file"] = f"snapshots/{cid}{Path(rel).suffix or '.jpg'}"
                    zf.writestr(item["file"], data)
                    snapshots += 1
                else:
                    item["file_missing"] = True
                manifest["checkin_snapshots"].append(item)
            counts = BiometricCounts(len(templates), photos, snapshots)
            manifest["counts"] = asdict(counts)
            zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        with self.db.unit_of_work() as s:
            AuditRepository(s).add(
                at=now, actor=actor, action="biometrics.export", target_type="person", target_id=person_id,
                details=asdict(counts),
            )
        log.info("exported the biometric data of %s for %s: %s", person_id, actor, counts)
        return counts

    def erase(self, person_id: str, *, actor: str) -> BiometricCounts:
        """Delete templates, kept photos and check-in snapshots; the person and their check-ins stay."""
        self.people.get(person_id)
        self.people.engine.gallery.remove(person_id)  # recognition stops matching before the database changes
        try:
            with self.db.unit_of_work() as s:
                repo = PeopleRepository(s)
                templates = len(repo.templates(person_id))
                photos = repo.delete_templates(person_id)
                snapshots = repo.erase_checkin_snapshots(person_id)
                counts = BiometricCounts(templates, len(photos), len(snapshots))
                AuditRepository(s).add(
                    at=self.clock(), actor=actor, action="biometrics.erase", target_type="person",
                    target_id=person_id, details=asdict(counts),
                )
        finally:
            self.people.reload_gallery()  # the truth again, whether or not the transaction went through
        for rel in photos + snapshots:
            delete_data_file(self.data_dir, rel, "biometric erasure")
        log.info("erased the biometric data of %s for %s: %s", person_id, actor, counts)
        return counts

