from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from api.deps import AdminDep, ServicesDep, UserDep
from api.schemas import EnrollmentOut, PersonOut, PhotoResultOut
from api.uploads import read_image_upload
from watchd.errors import Invalid
from watchd.messages import zh
from watchd.services.people import PersonView
from watchd.settings.sites import PersonSettings

router = APIRouter(prefix="/api/people", tags=["people"])


def _out(p: PersonView) -> PersonOut:
    return PersonOut(
        id=p.id, name=p.name, phone=p.phone, role=p.role, organisation=p.organisation, villages=p.villages,
        templates=p.templates,
    )


@router.get("", response_model=list[PersonOut])
def list_people(services: ServicesDep, user: UserDep) -> list[PersonOut]:
    return [_out(p) for p in services.people.list()]


@router.post("", response_model=PersonOut, status_code=201)
def create_person(body: PersonSettings, services: ServicesDep, user: AdminDep) -> PersonOut:
    return _out(services.people.create(body, actor=f"user:{user.username}"))


@router.get("/{person_id}", response_model=PersonOut)
def get_person(person_id: str, services: ServicesDep, user: UserDep) -> PersonOut:
    return _out(services.people.get(person_id))


@router.delete("/{person_id}", status_code=204)
def delete_person(person_id: str, services: ServicesDep, user: AdminDep) -> Response:
    services.people.delete(person_id, actor=f"user:{user.username}")
    return Response(status_code=204)


@router.post(
    "/{person_id}/faces", response_model=EnrollmentOut, status_code=201,
    responses={422: {"description": "no photo could be used; each photo's reason is given"}},
)
async def enroll_faces(
    person_id: str, services: ServicesDep, user: AdminDep,
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


@router.delete("/{person_id}/faces", status_code=204)
def delete_faces(person_id: str, services: ServicesDep, user: AdminDep) -> Response:
    services.people.delete_faces(person_id, actor=f"user:{user.username}")
    return Response(status_code=204)
