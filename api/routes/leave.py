"""Leave requests and make-up punches (补卡): filed by the person (or their leader, or an administrator),
approved by the person's leader."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from api.access import P, allowed
from api.deps import ServicesDep, UserDep
from api.params import RowId
from api.routes.attendance import OptionalMonth
from watchd.domain.leave import LEAVE_NAMES, LeaveKind, RequestStatus
from watchd.reports.monthly import month_of
from watchd.services.leave import LeaveView, MakeupView

router = APIRouter(prefix="/api", tags=["leave"])
STATUS_NAMES = {"pending": "待审批", "approved": "已批准", "rejected": "已驳回", "cancelled": "已撤销"}


class LeaveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person_id: str | None = Field(None, max_length=64, description="Whose leave; yourself when empty")
    kind: LeaveKind = Field(description="personal 事假, sick 病假, annual 年休假, business 公出/出差, compensatory 调休")
    start_at: datetime = Field(description="ISO 8601 with offset, e.g. 2026-11-24T08:00:00+08:00")
    end_at: datetime = Field(description="ISO 8601 with offset; the leave ends here (exclusive)")
    reason: str = Field(min_length=1, max_length=500)


class MakeupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person_id: str | None = Field(None, max_length=64, description="Whose punch; yourself when empty")
    punch_at: datetime = Field(description="When the missed punch should have been (ISO 8601 with offset)")
    site_id: str | None = Field(None, max_length=64, description="Where (counts for the village day when it is a village)")
    reason: str = Field(min_length=1, max_length=500)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field("", max_length=500)


class LeaveOut(BaseModel):
    id: int
    person_id: str
    person_name: str
    kind: str
    kind_label: str
    start_at: datetime
    end_at: datetime
    reason: str
    status: str
    status_label: str
    requested_by: str
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str


class MakeupOut(BaseModel):
    id: int
    person_id: str
    person_name: str
    punch_at: datetime
    site_id: str | None
    reason: str
    status: str
    status_label: str
    requested_by: str
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str


def _leave(v: LeaveView, services: ServicesDep) -> LeaveOut:
    zone = services.config.settings.zone
    return LeaveOut(
        id=v.id, person_id=v.person_id, person_name=v.person_name, kind=v.kind,
        kind_label=LEAVE_NAMES.get(LeaveKind(v.kind), v.kind), start_at=v.start_at.astimezone(zone),
        end_at=v.end_at.astimezone(zone), reason=v.reason, status=v.status, status_label=STATUS_NAMES[v.status],
        requested_by=v.requested_by, created_at=v.created_at.astimezone(zone), decided_by=v.decided_by,
        decided_at=v.decided_at.astimezone(zone) if v.decided_at else None, decision_note=v.decision_note,
    )


def _makeup(v: MakeupView, services: ServicesDep) -> MakeupOut:
    zone = services.config.settings.zone
    return MakeupOut(
        id=v.id, person_id=v.person_id, person_name=v.person_name, punch_at=v.punch_at.astimezone(zone),
        site_id=v.site_id, reason=v.reason, status=v.status, status_label=STATUS_NAMES[v.status],
        requested_by=v.requested_by, created_at=v.created_at.astimezone(zone), decided_by=v.decided_by,
        decided_at=v.decided_at.astimezone(zone) if v.decided_at else None, decision_note=v.decision_note,
    )


@router.get("/leave/kinds", dependencies=[allowed(P.self_service)])
def leave_kinds(user: UserDep) -> list[dict[str, str]]:
    return [{"kind": k.value, "name": n} for k, n in LEAVE_NAMES.items()]


@router.post("/leave", dependencies=[allowed(P.self_service)], response_model=LeaveOut, status_code=201)
def request_leave(body: LeaveIn, services: ServicesDep, user: UserDep) -> LeaveOut:
    """File a leave request; refused when it overlaps other leave or a duty shift (unless swapped)."""
    view = services.leave.request_leave(
        user, person_id=body.person_id or user.username, kind=body.kind, start=body.start_at, end=body.end_at,
        reason=body.reason,
    )
    return _leave(view, services)


@router.get("/leave", dependencies=[allowed(P.self_service)], response_model=list[LeaveOut])
def list_leave(
    services: ServicesDep, user: UserDep,
    status: Annotated[RequestStatus | None, Query()] = None,
    person: Annotated[str | None, Query(max_length=64)] = None,
    month: OptionalMonth = None,
) -> list[LeaveOut]:
    rows = services.leave.list_leave(
        user, status=status, person_id=person, month=month_of(month) if month else None
    )
    return [_leave(v, services) for v in rows]


@router.post("/leave/{request_id}/approve", dependencies=[allowed(P.leave_decide)], response_model=LeaveOut)
def approve_leave(request_id: RowId, body: DecisionIn, services: ServicesDep, user: UserDep) -> LeaveOut:
    return _leave(services.leave.decide_leave(user, request_id, approve=True, note=body.note), services)


@router.post("/leave/{request_id}/reject", dependencies=[allowed(P.leave_decide)], response_model=LeaveOut)
def reject_leave(request_id: RowId, body: DecisionIn, services: ServicesDep, user: UserDep) -> LeaveOut:
    return _leave(services.leave.decide_leave(user, request_id, approve=False, note=body.note), services)


@router.post("/leave/{request_id}/cancel", dependencies=[allowed(P.self_service)], response_model=LeaveOut)
def cancel_leave(request_id: RowId, services: ServicesDep, user: UserDep) -> LeaveOut:
    return _leave(services.leave.cancel_leave(user, request_id), services)


@router.post("/makeups", dependencies=[allowed(P.self_service)], response_model=MakeupOut, status_code=201)
def request_makeup(body: MakeupIn, services: ServicesDep, user: UserDep) -> MakeupOut:
    """File a make-up punch (补卡) with a reason; at most `makeup_monthly_cap` a month."""
    view = services.leave.request_makeup(
        user, person_id=body.person_id or user.username, at=body.punch_at, site_id=body.site_id, reason=body.reason
    )
    return _makeup(view, services)


@router.get("/makeups", dependencies=[allowed(P.self_service)], response_model=list[MakeupOut])
def list_makeups(
    services: ServicesDep, user: UserDep,
    status: Annotated[RequestStatus | None, Query()] = None,
    person: Annotated[str | None, Query(max_length=64)] = None,
) -> list[MakeupOut]:
    return [_makeup(v, services) for v in services.leave.list_makeups(user, status=status, person_id=person)]


@router.post("/makeups/{request_id}/approve", dependencies=[allowed(P.leave_decide)], response_model=MakeupOut)
def approve_makeup(request_id: RowId, body: DecisionIn, services: ServicesDep, user: UserDep) -> MakeupOut:
    return _makeup(services.leave.decide_makeup(user, request_id, approve=True, note=body.note), services)


@router.post("/makeups/{request_id}/reject", dependencies=[allowed(P.leave_decide)], response_model=MakeupOut)
def reject_makeup(request_id: RowId, body: DecisionIn, services: ServicesDep, user: UserDep) -> MakeupOut:
    return _makeup(services.leave.decide_makeup(user, request_id, approve=False, note=body.note), services)
