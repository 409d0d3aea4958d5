"""Vendor terminals: their state, probing, the device-user mapping, unknown users, quarantined punches."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.concurrency import run_in_threadpool

from api.access import P, allowed
from api.deps import ServicesDep, UserDep
from api.params import Offset, RowId
from watchd.messages import zh
from watchd.services.punches import MappingView, PunchView, TerminalView

router = APIRouter(prefix="/api/terminals", tags=["terminals"])
DeviceScope = Annotated[
    str, Path(min_length=1, max_length=64, description="A terminal's device id, or * for every terminal")
]
DeviceUser = Annotated[str, Path(min_length=1, max_length=64, description="The user id on the terminal")]
PunchState = Literal["pending", "counted", "unmapped", "ignored", "quarantined"]


class TerminalOut(BaseModel):
    device_id: str
    kind: str
    site_id: str
    name: str
    enabled: bool
    serial: str | None
    model: str | None
    firmware: str | None
    probed_at: datetime | None
    clock_skew_seconds: float | None
    online: bool | None
    status_changed_at: datetime | None
    status_detail: str
    last_contact_at: datetime | None
    position: str | None
    punches: dict[str, int]


class ProbeOut(BaseModel):
    device_id: str
    serial: str
    model: str
    firmware: str
    clock: datetime | None
    clock_skew_seconds: float | None


class MappingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person_id: str | None = Field(None, min_length=1, max_length=64, description="The watchd person")
    ignore: bool = Field(False, description="True: this device user's punches are kept but never counted")

    @model_validator(mode="after")
    def one_of(self) -> MappingIn:
        if (self.person_id is None) != self.ignore:
            raise ValueError("give either person_id or ignore=true")
        return self


class MappingOut(BaseModel):
    device_id: str
    device_user: str
    person_id: str | None
    person_name: str | None
    ignored: bool
    updated_at: datetime


class MappingResultOut(BaseModel):
    mapping: MappingOut
    recounted: int
    message: str


class UnknownUserOut(BaseModel):
    device_id: str
    device_user: str
    user_name: str | None
    punches: int
    first_time: str
    last_time: str


class UnknownSerialOut(BaseModel):
    serial: str
    address: str
    calls: int
    last_call_at: datetime


class PunchOut(BaseModel):
    id: int
    device_id: str
    serial: str
    device_user: str
    user_name: str | None
    device_time: str
    occurred_at: datetime | None
    received_at: datetime
    clock_skew_seconds: float | None
    cursor: int | None
    source: str
    verify: str | None
    attendance_state: str | None
    state: str
    reason: str | None
    reason_text: str | None
    person_id: str | None
    checkin_id: int | None


def _local(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    return value.astimezone(zone) if value else None


def _terminal(t: TerminalView, zone: ZoneInfo) -> TerminalOut:
    return TerminalOut(
        device_id=t.device_id, kind=t.kind, site_id=t.site_id, name=t.name, enabled=t.enabled, serial=t.serial,
        model=t.model, firmware=t.firmware, probed_at=_local(t.probed_at, zone), clock_skew_seconds=t.skew_seconds,
        online=t.online, status_changed_at=_local(t.changed_at, zone), status_detail=t.detail,
        last_contact_at=_local(t.last_contact_at, zone), position=t.position, punches=t.punches,
    )


def _mapping(m: MappingView, zone: ZoneInfo) -> MappingOut:
    return MappingOut(
        device_id=m.device_id, device_user=m.device_user, person_id=m.person_id, person_name=m.person_name,
        ignored=m.person_id is None, updated_at=m.updated_at.astimezone(zone),
    )


def _punch(p: PunchView, zone: ZoneInfo) -> PunchOut:
    return PunchOut(
        id=p.id, device_id=p.device_id, serial=p.serial, device_user=p.device_user, user_name=p.user_name,
        device_time=p.device_time, occurred_at=_local(p.occurred_at, zone), received_at=p.received_at.astimezone(zone),
        clock_skew_seconds=p.skew_seconds, cursor=p.cursor, source=p.source, verify=p.verify,
        attendance_state=p.attendance_state, state=p.state, reason=p.reason,
        reason_text=zh(f"punch_{p.reason}") if p.reason else None, person_id=p.person_id, checkin_id=p.checkin_id,
    )


@router.get("", dependencies=[allowed(P.terminals_read)], response_model=list[TerminalOut])
def list_terminals(services: ServicesDep, user: UserDep) -> list[TerminalOut]:
    zone = services.config.settings.zone
    return [_terminal(t, zone) for t in services.punches.terminals()]


@router.post("/{device_id}/probe", dependencies=[allowed(P.terminals_manage)], response_model=ProbeOut)
async def probe(device_id: str, services: ServicesDep, user: UserDep) -> ProbeOut:
    """Ask a terminal who it is (serial, model, firmware) and what time it thinks it is."""
    found = await services.punches.probe(device_id)
    zone = services.config.settings.zone
    return ProbeOut(
        device_id=found.device_id, serial=found.serial, model=found.model, firmware=found.firmware,
        clock=_local(found.clock, zone), clock_skew_seconds=found.skew_seconds,
    )


@router.get("/mappings", dependencies=[allowed(P.terminals_read)], response_model=list[MappingOut])
def list_mappings(services: ServicesDep, user: UserDep) -> list[MappingOut]:
    zone = services.config.settings.zone
    return [_mapping(m, zone) for m in services.punches.mappings()]


@router.put("/mappings/{device_id}/{device_user}", dependencies=[allowed(P.terminals_manage)], response_model=MappingResultOut)
async def set_mapping(
    device_id: DeviceScope, device_user: DeviceUser, body: MappingIn, services: ServicesDep, user: UserDep
) -> MappingResultOut:
    """Map a device user to a person (or ignore it); their stored punches are counted at once."""
    result = await run_in_threadpool(services.punches.set_mapping, device_id, device_user, body.person_id)
    return MappingResultOut(
        mapping=_mapping(result.mapping, services.config.settings.zone), recounted=result.recounted,
        message=zh("mapping_saved"),
    )


@router.delete("/mappings/{device_id}/{device_user}", dependencies=[allowed(P.terminals_manage)], status_code=204)
async def delete_mapping(
    device_id: DeviceScope, device_user: DeviceUser, services: ServicesDep, user: UserDep
) -> Response:
    await run_in_threadpool(services.punches.delete_mapping, device_id, device_user)
    return Response(status_code=204)


@router.get("/unknown-users", dependencies=[allowed(P.terminals_read)], response_model=list[UnknownUserOut])
def unknown_users(services: ServicesDep, user: UserDep) -> list[UnknownUserOut]:
    """Device users whose punches are stored but map to nobody yet."""
    return [
        UnknownUserOut(
            device_id=u.device_id, device_user=u.device_user, user_name=u.user_name, punches=u.punches,
            first_time=u.first_time, last_time=u.last_time,
        )
        for u in services.punches.unknown_users()
    ]


@router.get("/unknown-serials", dependencies=[allowed(P.terminals_manage)], response_model=list[UnknownSerialOut])
def unknown_serials(services: ServicesDep, user: UserDep) -> list[UnknownSerialOut]:
    """ADMS terminals that called since start with a serial number nobody registered."""
    zone = services.config.settings.zone
    return [
        UnknownSerialOut(serial=u.serial, address=u.address, calls=u.calls, last_call_at=u.last_call_at.astimezone(zone))
        for u in services.punches.unknown_serials()
    ]


@router.get("/punches", dependencies=[allowed(P.terminals_manage)], response_model=list[PunchOut])
def list_punches(
    services: ServicesDep, user: UserDep,
    state: Annotated[PunchState | None, Query(description="Only punches in this state")] = None,
    device: Annotated[str | None, Query(max_length=64)] = None,
    device_user: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 200,
    offset: Offset = 0,
) -> list[PunchOut]:
    zone = services.config.settings.zone
    rows = services.punches.punches(state=state, device_id=device, device_user=device_user, limit=limit, offset=offset)
    return [_punch(p, zone) for p in rows]


@router.post("/punches/{punch_id}/release", dependencies=[allowed(P.terminals_manage)], response_model=PunchOut)
async def release(punch_id: RowId, services: ServicesDep, user: UserDep) -> PunchOut:
    """Count a quarantined punch after checking that its time is right after all."""
    punch = await run_in_threadpool(services.punches.release, punch_id)
    return _punch(punch, services.config.settings.zone)
