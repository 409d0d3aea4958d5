from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse

from api.access import P, allowed
from api.deps import ServicesDep, UserDep
from api.params import IsoDate, Offset, RowId
from api.schemas import TodayOut
from api.views import shown
from watchd.errors import NotFound
from watchd.services.checkins import CheckinView
from watchd.services.overview import village_day

router = APIRouter(prefix="/api", tags=["check-ins"])


@router.get("/checkins", dependencies=[allowed(P.checkins_read)], response_model=list[CheckinView])
def list_checkins(
    services: ServicesDep, user: UserDep,
    day: Annotated[IsoDate | None, Query(alias="date", description="Local date, YYYY-MM-DD")] = None,
    site: Annotated[str | None, Query(max_length=64)] = None,
    person: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Offset = 0,
) -> list[CheckinView]:
    rows = services.checkins.search(day=day, site_id=site, person_id=person, limit=limit, offset=offset)
    return shown(rows, services.config.settings.zone)


@router.get("/checkins/by-village", dependencies=[allowed(P.checkins_read)], response_model=TodayOut)
def by_village(
    services: ServicesDep, user: UserDep,
    day: Annotated[IsoDate | None, Query(alias="date", description="Local date; today by default")] = None,
) -> TodayOut:
    the_day = day or services.checkins.today()
    villages = village_day(services.db, services.checkins, the_day)
    return TodayOut(date=the_day.isoformat(), villages=shown(villages, services.config.settings.zone))


@router.get("/checkins/{checkin_id}/snapshot", dependencies=[allowed(P.checkin_snapshots_read)], response_class=FileResponse)
def snapshot(checkin_id: RowId, services: ServicesDep, user: UserDep) -> FileResponse:
    path = services.checkins.snapshot_file(checkin_id)
    if path is None or not path.exists():
        raise NotFound("snapshot_not_found", f"check-in {checkin_id} has no snapshot")
    return FileResponse(path, media_type="image/jpeg")
