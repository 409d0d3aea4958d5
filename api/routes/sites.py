from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.access import P, allowed
from api.deps import ServicesDep, UserDep
from api.params import Offset
from api.schemas import DeviceTokenOut
from api.views import shown
from watchd.services.sites import AuditView, DeviceView, SiteDirectory, SiteView

router = APIRouter(prefix="/api", tags=["sites"])


@router.get("/sites", dependencies=[allowed(P.sites_read)], response_model=list[SiteView])
def sites(services: ServicesDep, user: UserDep) -> list[SiteView]:
    return SiteDirectory(services.db).sites()


@router.get("/devices", dependencies=[allowed(P.devices_manage)], response_model=list[DeviceView])
def devices(services: ServicesDep, user: UserDep) -> list[DeviceView]:
    return SiteDirectory(services.db).devices()


@router.post("/devices/{device_id}/token", dependencies=[allowed(P.devices_manage)], response_model=DeviceTokenOut, status_code=201)
def new_device_token(device_id: str, request: Request, services: ServicesDep, user: UserDep) -> DeviceTokenOut:
    """Issue a new token for a kiosk (the old one stops working). The token is shown only here."""
    token = services.auth.issue_device_token(device_id, actor=f"user:{user.username}")
    url = str(request.base_url).rstrip("/") + f"/kiosk#token={token}"
    return DeviceTokenOut(device_id=device_id, token=token, kiosk_url=url)


@router.get("/audit", dependencies=[allowed(P.audit_read)], response_model=list[AuditView])
def audit_log(
    services: ServicesDep, user: UserDep,
    target_type: Annotated[str | None, Query(max_length=40)] = None,
    target_id: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Offset = 0,
) -> list[AuditView]:
    """Who changed people, faces, rosters, approvals, device mappings and tokens (newest first)."""
    rows = SiteDirectory(services.db).audit(target_type=target_type, target_id=target_id, limit=limit, offset=offset)
    return shown(rows, services.config.settings.zone)
