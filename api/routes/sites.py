from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.access import P, allowed
from api.deps import ServicesDep, UserDep
from api.params import Offset
from api.schemas import AuditOut, DeviceOut, DeviceTokenOut, SiteOut
from api.views import shown
from watchd.db.repositories.audit import AuditRepository
from watchd.db.repositories.sites import SitesRepository

router = APIRouter(prefix="/api", tags=["sites"])


@router.get("/sites", dependencies=[allowed(P.sites_read)], response_model=list[SiteOut])
def sites(services: ServicesDep, user: UserDep) -> list[SiteOut]:
    with services.db.read() as s:
        return [SiteOut(id=x.id, name=x.name, kind=x.kind) for x in SitesRepository(s).list_sites()]


@router.get("/devices", dependencies=[allowed(P.devices_manage)], response_model=list[DeviceOut])
def devices(services: ServicesDep, user: UserDep) -> list[DeviceOut]:
    with services.db.read() as s:
        repo = SitesRepository(s)
        names = {x.id: x.name for x in repo.list_sites()}
        return [
            DeviceOut(
                id=d.id, name=d.name, kind=d.kind, site_id=d.site_id, site_name=names.get(d.site_id, d.site_id),
                enabled=d.enabled, has_token=d.token_hash is not None,
            )
            for d in repo.list_devices()
        ]


@router.post("/devices/{device_id}/token", dependencies=[allowed(P.devices_manage)], response_model=DeviceTokenOut, status_code=201)
def new_device_token(device_id: str, request: Request, services: ServicesDep, user: UserDep) -> DeviceTokenOut:
    """Issue a new token for a kiosk (the old one stops working). The token is shown only here."""
    token = services.auth.issue_device_token(device_id, actor=f"user:{user.username}")
    url = str(request.base_url).rstrip("/") + f"/kiosk#token={token}"
    return DeviceTokenOut(device_id=device_id, token=token, kiosk_url=url)


@router.get("/audit", dependencies=[allowed(P.audit_read)], response_model=list[AuditOut])
def audit_log(
    services: ServicesDep, user: UserDep,
    target_type: Annotated[str | None, Query(max_length=40)] = None,
    target_id: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Offset = 0,
) -> list[AuditOut]:
    """Who changed people, faces, rosters, approvals, device mappings and tokens (newest first)."""
    zone = services.config.settings.zone
    with services.db.read() as s:
        rows = AuditRepository(s).search(
            target_type=target_type, target_id=target_id, limit=limit, offset=offset
        )
        return [
            AuditOut(
                at=shown(r.at, zone), actor=r.actor, action=r.action, target_type=r.target_type,
                target_id=r.target_id, details=r.details,
            )
            for r in rows
        ]
