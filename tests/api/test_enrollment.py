"""Enrolling faces through the API: usable photos become templates, every bad upload is refused clearly."""

from __future__ import annotations

import io

import cv2
import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.faces import BIDEN_TRAIN, OBAMA_TRAIN, TWO_PEOPLE, photo, photo_bytes
from watchd.app import Services
from watchd.db.models import FaceTemplate


def template_rows(services: Services) -> int:
    with services.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(FaceTemplate)) or 0)


def upload(client: TestClient, headers: dict[str, str], *files: tuple[str, bytes, str], person: str = "c001"):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/people/{person}/faces", headers=headers,
        files=[("photos", (name, io.BytesIO(data), ctype)) for name, data, ctype in files],
    )


def jpeg(img: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".jpg", img)
    assert ok
    return buf.tobytes()


def test_enrol_two_photos_of_one_person(client: TestClient, admin_headers: dict[str, str], services: Services) -> None:
    r = upload(
        client, admin_headers, ("a.jpg", photo_bytes(OBAMA_TRAIN), "image/jpeg"),
        ("b.jpg", photo_bytes("knn_examples/train/obama/obama2.jpg"), "image/jpeg"),
    )
    assert r.status_code == 201, r.text
    assert r.json()["stored"] == 2 and r.json()["templates"] == 2
    people = {p["id"]: p for p in client.get("/api/people", headers=admin_headers).json()}
    assert people["c001"]["templates"] == 2
    assert len(services.engine.gallery) == 2
    # no raw photo is kept by default
    assert not (services.config.data_dir / "photos").exists()


def test_photo_with_two_faces_is_refused_and_nothing_stored(
    client: TestClient, admin_headers: dict[str, str], services: Services
) -> None:
    r = upload(client, admin_headers, ("two.jpg", photo_bytes(TWO_PEOPLE), "image/jpeg"))
    assert r.status_code == 422
    assert r.json()["detail"]["code"] == "several_faces"
    assert "多张人脸" in r.json()["detail"]["message"]
    assert template_rows(services) == 0


def test_mixed_batch_stores_the_good_photo_and_explains_the_bad_one(
    client: TestClient, admin_headers: dict[str, str], services: Services
) -> None:
    noise = jpeg(np.random.default_rng(1).integers(0, 255, (480, 640, 3), dtype=np.uint8))
    r = upload(
        client, admin_headers, ("good.jpg", photo_bytes(BIDEN_TRAIN), "image/jpeg"),
        ("noise.jpg", noise, "image/jpeg"), person="c002",
    )
    assert r.status_code == 201
    results = {x["filename"]: x for x in r.json()["results"]}
    assert results["good.jpg"]["ok"] is True
    assert results["noise.jpg"]["ok"] is False and results["noise.jpg"]["code"] == "no_face"
    assert template_rows(services) == 1


def test_bad_uploads_get_clear_errors_and_change_nothing(
    client: TestClient, admin_headers: dict[str, str], services: Services
) -> None:
    good = photo_bytes(OBAMA_TRAIN)
    cases = [
        (("empty.jpg", b"", "image/jpeg"), 422, "empty"),
        (("text.jpg", b"hello, this is not a picture" * 10, "image/jpeg"), 422, "not_an_image"),
        (("half.jpg", good[: len(good) // 2], "image/jpeg"), 422, "truncated"),
        (("doc.txt", good, "text/plain"), 415, "unsupported_media_type"),
        (("huge.jpg", b"\xff\xd8" + b"0" * 5_000_100, "image/jpeg"), 413, "too_large"),
    ]
    for file, status, code in cases:
        r = upload(client, admin_headers, file)
        assert r.status_code == status, (file[0], r.status_code, r.text)
        assert r.json()["detail"]["code"] == code, file[0]
        assert r.json()["detail"]["message"]
    tiny = cv2.resize(cv2.imread(str(photo(OBAMA_TRAIN))), (60, 80))
    r = upload(client, admin_headers, ("tiny.jpg", jpeg(tiny), "image/jpeg"))
    assert r.status_code == 422 and r.json()["detail"]["code"] in {"face_too_small", "no_face"}
    assert template_rows(services) == 0


def test_enrolling_an_unknown_person_is_404(client: TestClient, admin_headers: dict[str, str]) -> None:
    r = upload(client, admin_headers, ("a.jpg", photo_bytes(OBAMA_TRAIN), "image/jpeg"), person="nobody")
    assert r.status_code == 404 and r.json()["detail"]["code"] == "person_not_found"


def test_deleting_a_person_erases_their_biometric_data(
    make_services, admin_headers_for, tmp_path  # type: ignore[no-untyped-def]
) -> None:
    services, client, headers = admin_headers_for(make_services(recognition={"keep_enrollment_photos": True}))
    assert upload(client, headers, ("a.jpg", photo_bytes(OBAMA_TRAIN), "image/jpeg")).status_code == 201
    kept = list((services.config.data_dir / "photos").rglob("*"))
    assert any(p.is_file() for p in kept)
    assert client.delete("/api/people/c001", headers=headers).status_code == 204
    assert template_rows(services) == 0
    assert not any(p.is_file() for p in (services.config.data_dir / "photos").rglob("*"))
    assert len(services.engine.gallery) == 0
    assert client.get("/api/people/c001", headers=headers).status_code == 404


def test_person_crud(client: TestClient, admin_headers: dict[str, str]) -> None:
    body = {"id": "c009", "name": "娜仁", "role": "cadre", "villages": ["hure"], "phone": "+8613800000009"}
    r = client.post("/api/people", headers=admin_headers, json=body)
    assert r.status_code == 201 and r.json()["villages"] == ["hure"]
    assert client.post("/api/people", headers=admin_headers, json=body).status_code == 409
    bad = client.post("/api/people", headers=admin_headers, json={**body, "id": "c010", "villages": ["office"]})
    assert bad.status_code == 422 and bad.json()["detail"]["code"] == "unknown_village"
    invalid = client.post("/api/people", headers=admin_headers, json={"id": "c011", "name": "", "role": "king"})
    assert invalid.status_code == 422
    fields = {f["field"] for f in invalid.json()["detail"]["fields"]}
    assert {"body.name", "body.role"} <= fields
