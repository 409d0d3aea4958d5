"""Vendor terminals: their state, probing, the device-user mapping, unknown users, quarantined punches."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.concurrency import run_in_threadpool

from api.access import P, allowed
from api.deps import ServicesDep, UserDep
from api.params import Offset, RowId
from api.views import shown
from watchd.messages import zh
from watchd.services.punches import (
    MappingView,
    ProbeView,
    PunchView,
    TerminalView,
    UnknownSerial,
    UnknownUser,
)

router = APIRouter(prefix="/api/terminals", tags=["terminals"])
DeviceScope = Annotated[
    str, Path(min_length=1, max_length=64, description="A terminal's device id, or * for every terminal")
]
DeviceUser = Annotated[str, Path(min_length=1, max_length=64, description="The user id on the terminal")]
PunchState = Literal["pending", "counted", "unmapped", "ignored", "quarantined"]


class MappingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person_id: str | None = Field(None, min_length=1, max_length=64, description="The watchd person")
    ignore: bool = Field(False, description="True: this device user's punches are kept but never counted")

    @model_validator(mode="after")
    def one_of(self) -> MappingIn:
        if (self.person_id is None) != self.ignore:
            raise ValueError("give either person_id or ignore=true")
        return self


class MappingResultOut(BaseModel):
    mapping: MappingView
    recounted: int
    message: str


@router.get("", dependencies=[allowed(P.terminals_read)], response_model=list[TerminalView])
def list_terminals(services: ServicesDep, user: UserDep) -> list[TerminalView]:
    return shown(services.punches.terminals(), services.config.settings.zone)


@router.post("/{device_id}/probe", dependencies=[allowed(P.terminals_manage)], response_model=ProbeView)
async def probe(device_id: str, services: ServicesDep, user: UserDep) -> ProbeView:
    """Ask a terminal who it is (serial, model, firmware) and what time it thinks it is."""
    return shown(await services.punches.probe(device_id), services.config.settings.zone)


@router.get("/mappings", dependencies=[allowed(P.terminals_read)], response_model=list[MappingView])
def list_mappings(services: ServicesDep, user: UserDep) -> list[MappingView]:
    return shown(services.punches.mappings(), services.config.settings.zone)


@router.put("/mappings/{device_id}/{device_user}", dependencies=[allowed(P.terminals_manage)], response_model=MappingResultOut)
async def set_mapping(
    device_id: DeviceScope, device_user: DeviceUser, body: MappingIn, services: ServicesDep, user: UserDep
) -> MappingResultOut:
    """Map a device user to a person (or ignore it); their stored punches are counted at once."""
    result = await run_in_threadpool(services.punches.set_mapping, device_id, device_user, body.person_id)
    return MappingResultOut(
        mapping=shown(result.mapping, services.config.settings.zone), recounted=result.recounted,
        message=zh("mapping_saved"),
    )


@router.delete("/mappings/{device_id}/{device_user}", dependencies=[allowed(P.terminals_manage)], status_code=204)
async def delete_mapping(
    device_id: DeviceScope, device_user: DeviceUser, services: ServicesDep, user: UserDep
) -> Response:
    await run_in_threadpool(services.punches.delete_mapping, device_id, device_user)
    return Response(status_code=204)


@router.get("/unknown-users", dependencies=[allowed(P.terminals_read)], response_model=list[UnknownUser])
def unknown_users(services: ServicesDep, user: UserDep) -> list[UnknownUser]:
    """Device users whose punches are stored but map to nobody yet."""
    return services.punches.unknown_users()


@router.get("/unknown-serials", dependencies=[allowed(P.terminals_manage)], response_model=list[UnknownSerial])
def unknown_serials(services: ServicesDep, user: UserDep) -> list[UnknownSerial]:
    """ADMS terminals that called since start with a serial number nobody registered."""
    return shown(services.punches.unknown_serials(), services.config.settings.zone)


@router.get("/punches", dependencies=[allowed(P.terminals_manage)], response_model=list[PunchView])
def list_punches(
    services: ServicesDep, user: UserDep,
    state: Annotated[PunchState | None, Query(description="Only punches in this state")] = None,
    device: Annotated[str | None, Query(max_length=64)] = None,
    device_user: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 200,
    offset: Offset = 0,
) -> list[PunchView]:
    rows = services.punches.punches(state=state, device_id=device, device_user=device_user, limit=limit, offset=offset)
    return shown(rows, services.config.settings.zone)


@router.post("/punches/{punch_id}/release", dependencies=[allowed(P.terminals_manage)], response_model=PunchView)
async def release(punch_id: RowId, services: ServicesDep, user: UserDep) -> PunchView:
    """Count a quarantined punch after checking that its time is right after all."""
    punch = await run_in_threadpool(services.punches.release, punch_id)
    return shown(punch, services.config.settings.zone)
