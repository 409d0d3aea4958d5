from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, Annotated

from fastapi import APIRouter, File, Response, UploadFile
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.access import P, allowed
from api.deps import ServicesDep, UserDep
from api.schemas import BiometricsErasedOut, EnrollmentOut, PhotoResultOut
from api.uploads import read_image_upload
from watchd.errors import Invalid
from watchd.messages import zh
from watchd.services.biometrics import BiometricsService
from watchd.services.people import PersonView
from watchd.settings.sites import PersonSettings

router = APIRouter(prefix="/api/people", tags=["people"])


@router.get("", dependencies=[allowed(P.people_read)], response_model=list[PersonView])
def list_people(services: ServicesDep, user: UserDep) -> list[PersonView]:
    return services.people.list()


@router.post("", dependencies=[allowed(P.people_manage)], response_model=PersonView, status_code=201)
def create_person(body: PersonSettings, services: ServicesDep, user: UserDep) -> PersonView:
    return services.people.create(body, actor=f"user:{user.username}")


@router.get("/{person_id}", dependencies=[allowed(P.people_read)], response_model=PersonView)
def get_person(person_id: str, services: ServicesDep, user: UserDep) -> PersonView:
    return services.people.get(person_id)


@router.delete("/{person_id}", dependencies=[allowed(P.people_manage)], status_code=204)
def delete_person(person_id: str, services: ServicesDep, user: UserDep) -> Response:
    services.people.delete(person_id, actor=f"user:{user.username}")
    return Response(status_code=204)


@router.post(
    "/{person_id}/faces", dependencies=[allowed(P.biometrics_manage)], response_model=EnrollmentOut, status_code=201,
    responses={422: {"description": "no photo could be used; each photo's reason is given"}},
)
async def enroll_faces(
    person_id: str, services: ServicesDep, user: UserDep,
    photos: Annotated[list[UploadFile], File(description="One face per photo; JPEG or PNG.")],
) -> EnrollmentOut | Response:
    limit = services.config.settings.recognition.max_upload_bytes
    data = [(p.filename or f"photo{i + 1}", await read_image_upload(p, limit)) for i, p in enumerate(photos)]
    report = await run_in_threadpool(services.people.enroll, person_id, data, actor=f"user:{user.username}")
    out = EnrollmentOut(
        person_id=report.person_id, stored=report.stored, templates=report.templates,
        results=[
            PhotoResultOut(
                filename=r.filename, ok=r.ok, code=r.code, message=zh(r.code) if not r.ok else "已录入",
                template_id=r.template_id,
            )
            for r in report.results
        ],
    )
    if report.stored == 0:
        first = report.results[0]
        raise Invalid(first.code, f"no usable photo: {first.message}", results=[r.model_dump() for r in out.results])
    return out


@router.delete("/{person_id}/faces", dependencies=[allowed(P.biometrics_manage)], status_code=204)
def delete_faces(person_id: str, services: ServicesDep, user: UserDep) -> Response:
    services.people.delete_faces(person_id, actor=f"user:{user.username}")
    return Response(status_code=204)


def _chunks(f: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := f.read(64 * 1024):
            yield chunk
    finally:
        f.close()


@router.get(
    "/{person_id}/biometrics/export", dependencies=[allowed(P.biometrics_manage)], response_class=StreamingResponse,
    responses={200: {"content": {"application/zip": {}}, "description": "manifest.json, photos/, snapshots/"}},
)
async def export_biometrics(person_id: str, services: ServicesDep, user: UserDep) -> StreamingResponse:
    """Everything biometric stored about the person (PIPL): templates with model version and dates,
    kept enrolment photos, check-in snapshots. Audited."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response when it has been sent
    try:
        await run_in_threadpool(
            BiometricsService(services.people).export, person_id, out, actor=f"user:{user.username}"
        )
    except BaseException:
        out.close()
        raise
    out.seek(0)
    name = f"biometrics-{person_id}.zip"
    return StreamingResponse(
        _chunks(out), media_type="application/zip", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.delete("/{person_id}/biometrics", dependencies=[allowed(P.biometrics_manage)], response_model=BiometricsErasedOut)
async def erase_biometrics(person_id: str, services: ServicesDep, user: UserDep) -> BiometricsErasedOut:
    """Erase the person's templates, kept photos and check-in snapshots; the person and their
    attendance stay. Recognition stops matching them at once. Audited."""
    counts = await run_in_threadpool(BiometricsService(services.people).erase, person_id, actor=f"user:{user.username}")
    return BiometricsErasedOut(
        person_id=person_id, templates=counts.templates, photos=counts.photos, snapshots=counts.snapshots
    )
