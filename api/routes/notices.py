"""Notices for the administrator: upkeep conditions (holiday data, disk, certificate, terminal users,
nodes), listed and acknowledged. They are not incidents: nothing escalates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.access import P, allowed
from api.deps import ServicesDep, UserDep
from api.params import RowId
from api.views import shown
from watchd.services.notices import NoticeView

router = APIRouter(prefix="/api/notices", tags=["notices"])


@router.get("", dependencies=[allowed(P.notices_manage)], response_model=list[NoticeView])
def list_notices(
    services: ServicesDep,
    include_resolved: Annotated[bool, Query(description="Also the most recently cleared notices")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[NoticeView]:
    """Active notices (oldest first); with include_resolved, active first and then the cleared ones."""
    zone = services.config.settings.zone
    if include_resolved:
        return shown(services.notices.recent(limit), zone)
    return shown(services.notices.active()[:limit], zone)


@router.post("/{notice_id}/acknowledge", dependencies=[allowed(P.notices_manage)], response_model=NoticeView)
def acknowledge(notice_id: RowId, services: ServicesDep, user: UserDep) -> NoticeView:
    """The administrator has seen it: it stays listed while the condition lasts and is not sent any more."""
    return shown(services.notices.acknowledge(notice_id, user.username), services.config.settings.zone)
