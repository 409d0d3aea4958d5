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
from api.views import shown
from watchd.domain.leave import LEAVE_NAMES, LeaveKind, RequestStatus
from watchd.reports.monthly import month_of
from watchd.services.leave import LeaveView, MakeupView

router = APIRouter(prefix="/api", tags=["leave"])


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


@router.get("/leave/kinds", dependencies=[allowed(P.self_service)])
def leave_kinds(user: UserDep) -> list[dict[str, str]]:
    return [{"kind": k.value, "name": n} for k, n in LEAVE_NAMES.items()]


@router.post("/leave", dependencies=[allowed(P.self_service)], response_model=LeaveView, status_code=201)
def request_leave(body: LeaveIn, services: ServicesDep, user: UserDep) -> LeaveView:
    """File a leave request; refused when it overlaps other leave or a duty shift (unless swapped)."""
    view = services.leave.request_leave(
        user, person_id=body.person_id or user.username, kind=body.kind, start=body.start_at, end=body.end_at,
        reason=body.reason,
    )
    return shown(view, services.config.settings.zone)


@router.get("/leave", dependencies=[allowed(P.self_service)], response_model=list[LeaveView])
def list_leave(
    services: ServicesDep, user: UserDep,
    status: Annotated[RequestStatus | None, Query()] = None,
    person: Annotated[str | None, Query(max_length=64)] = None,
    month: OptionalMonth = None,
) -> list[LeaveView]:
    rows = services.leave.list_leave(
        user, status=status, person_id=person, month=month_of(month) if month else None
    )
    return shown(rows, services.config.settings.zone)


@router.post("/leave/{request_id}/approve", dependencies=[allowed(P.leave_decide)], response_model=LeaveView)
def approve_leave(request_id: RowId, body: DecisionIn, services: ServicesDep, user: UserDep) -> LeaveView:
    return shown(services.leave.decide_leave(user, request_id, approve=True, note=body.note), services.config.settings.zone)


@router.post("/leave/{request_id}/reject", dependencies=[allowed(P.leave_decide)], response_model=LeaveView)
def reject_leave(request_id: RowId, body: DecisionIn, services: ServicesDep, user: UserDep) -> LeaveView:
    return shown(services.leave.decide_leave(user, request_id, approve=False, note=body.note), services.config.settings.zone)


@router.post("/leave/{request_id}/cancel", dependencies=[allowed(P.self_service)], response_model=LeaveView)
def cancel_leave(request_id: RowId, services: ServicesDep, user: UserDep) -> LeaveView:
    return shown(services.leave.cancel_leave(user, request_id), services.config.settings.zone)


@router.post("/makeups", dependencies=[allowed(P.self_service)], response_model=MakeupView, status_code=201)
def request_makeup(body: MakeupIn, services: ServicesDep, user: UserDep) -> MakeupView:
    """File a make-up punch (补卡) with a reason; at most `makeup_monthly_cap` a month."""
    view = services.leave.request_makeup(
        user, person_id=body.person_id or user.username, at=body.punch_at, site_id=body.site_id, reason=body.reason
    )
    return shown(view, services.config.settings.zone)


@router.get("/makeups", dependencies=[allowed(P.self_service)], response_model=list[MakeupView])
def list_makeups(
    services: ServicesDep, user: UserDep,
    status: Annotated[RequestStatus | None, Query()] = None,
    person: Annotated[str | None, Query(max_length=64)] = None,
) -> list[MakeupView]:
    rows = services.leave.list_makeups(user, status=status, person_id=person)
    return shown(rows, services.config.settings.zone)


@router.post("/makeups/{request_id}/approve", dependencies=[allowed(P.leave_decide)], response_model=MakeupView)
def approve_makeup(request_id: RowId, body: DecisionIn, services: ServicesDep, user: UserDep) -> MakeupView:
    return shown(services.leave.decide_makeup(user, request_id, approve=True, note=body.note), services.config.settings.zone)


@router.post("/makeups/{request_id}/reject", dependencies=[allowed(P.leave_decide)], response_model=MakeupView)
def reject_makeup(request_id: RowId, body: DecisionIn, services: ServicesDep, user: UserDep) -> MakeupView:
    return shown(services.leave.decide_makeup(user, request_id, approve=False, note=body.note), services.config.settings.zone)
