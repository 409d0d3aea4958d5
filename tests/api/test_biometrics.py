"""A person's biometric data (PIPL): exported as stored, erased for good, attendance kept, all audited."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.faces import OBAMA_PROBE, OBAMA_TRAIN, kiosk_frame, photo_bytes
from watchd.app import Services
from watchd.db.repositories.people import PeopleRepository

Setup = tuple[Services, TestClient, dict[str, str], dict[str, str]]


@pytest.fixture
def enrolled(make_services: Callable[..., Services], admin_headers_for: Any) -> Setup:
    """c001 enrolled from one photo (kept), checked in once at the kiosk (snapshot kept); liveness off."""
    services, client, admin = admin_headers_for(make_services(
        liveness={"required": False}, recognition={"keep_enrollment_photos": True}, checkin={"keep_snapshot": True},
    ))
    r = client.post(
        "/api/people/c001/faces", headers=admin,
        files=[("photos", ("o.jpg", io.BytesIO(photo_bytes(OBAMA_TRAIN)), "image/jpeg"))],
    )
    assert r.status_code == 201, r.text
    kiosk = {"Authorization": f"Bearer {services.auth.issue_device_token('kiosk-bayan')}"}
    assert check_in(client, kiosk, "attempt-b001").status_code == 201
    return services, client, admin, kiosk


def check_in(client: TestClient, kiosk: dict[str, str], key: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/kiosk/checkins", headers=kiosk, data={"idempotency_key": key},
        files=[("frames", ("f.jpg", io.BytesIO(kiosk_frame(OBAMA_PROBE)), "image/jpeg"))],
    )


def files_under(services: Services, folder: str) -> list[str]:
    root = services.config.data_dir / folder
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_export_contains_what_was_stored(enrolled: Setup) -> None:
    services, client, admin, _ = enrolled
    r = client.get("/api/people/c001/biometrics/export", headers=admin)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert 'filename="biometrics-c001.zip"' in r.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        [template] = manifest["templates"]
        [snap] = manifest["checkin_snapshots"]
        photo = zf.read(template["photo"])
        snapshot = zf.read(snap["file"])
    assert manifest["person"]["id"] == "c001" and manifest["person"]["name"] == "其其格"
    assert manifest["counts"] == {"templates": 1, "photos": 1, "snapshots": 1}
    with services.db.read() as s:
        repo = PeopleRepository(s)
        [stored] = repo.templates("c001")
        [checkin] = repo.checkins_with_snapshots("c001")
        assert template["model_version"] == stored.model_version == services.engine.model_version
        assert template["created_at"] == stored.created_at.isoformat()
        assert np.array_equal(np.array(template["encoding"]), np.frombuffer(stored.encoding, dtype="<f8"))
        assert snap["checkin_id"] == checkin.id
        assert snapshot == (services.config.data_dir / str(checkin.snapshot_path)).read_bytes()
    assert len(template["encoding"]) == 128
    assert photo == photo_bytes(OBAMA_TRAIN) and snapshot.startswith(b"\xff\xd8")
    audit = client.get("/api/audit", headers=admin, params={"target_id": "c001"}).json()
    assert (audit[0]["action"], audit[0]["actor"], audit[0]["details"]) == (
        "biometrics.export", "user:admin", {"templates": 1, "photos": 1, "snapshots": 1}
    )


def test_erase_forgets_the_face_and_keeps_the_attendance(enrolled: Setup) -> None:
    services, client, admin, kiosk = enrolled
    assert files_under(services, "photos") and files_under(services, "snapshots")
    r = client.delete("/api/people/c001/biometrics", headers=admin)
    assert r.status_code == 200
    assert r.json() == {"person_id": "c001", "templates": 1, "photos": 1, "snapshots": 1}
    # recognition no longer matches the person: the same photo is now a stranger
    again = check_in(client, kiosk, "attempt-b002")
    assert again.status_code == 422 and again.json()["detail"]["code"] == "unknown_person"
    # the files are gone from disk
    assert files_under(services, "photos") == [] and files_under(services, "snapshots") == []
    # the person and their check-in stay, without an image
    assert client.get("/api/people/c001", headers=admin).json()["templates"] == 0
    [row] = client.get("/api/checkins", headers=admin, params={"person": "c001"}).json()
    assert row["has_snapshot"] is False
    assert client.get(f"/api/checkins/{row['id']}/snapshot", headers=admin).status_code == 404
    # an export now holds nothing biometric
    with zipfile.ZipFile(io.BytesIO(client.get("/api/people/c001/biometrics/export", headers=admin).content)) as zf:
        assert json.loads(zf.read("manifest.json"))["counts"] == {"templates": 0, "photos": 0, "snapshots": 0}
        assert zf.namelist() == ["manifest.json"]
    erased = [e for e in client.get("/api/audit", headers=admin, params={"target_id": "c001"}).json()
              if e["action"] == "biometrics.erase"]
    assert [(e["actor"], e["details"]) for e in erased] == [
        ("user:admin", {"templates": 1, "photos": 1, "snapshots": 1})
    ]


def test_unknown_person_is_404_and_nothing_is_audited(client: TestClient, admin_headers: dict[str, str]) -> None:
    for method, path in (("GET", "/api/people/nobody/biometrics/export"), ("DELETE", "/api/people/nobody/biometrics")):
        r = client.request(method, path, headers=admin_headers)
        assert r.status_code == 404 and r.json()["detail"]["code"] == "person_not_found"
    assert client.get("/api/audit", headers=admin_headers, params={"target_id": "nobody"}).json() == []
