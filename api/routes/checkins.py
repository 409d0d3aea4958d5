from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse

from api.access import P, allowed
from api.deps import ServicesDep, UserDep
from api.params import IsoDate, Offset, RowId
from api.schemas import CheckinOut, TodayOut, VillageDayOut
from api.views import checkin_out
from watchd.errors import NotFound
from watchd.services.overview import village_day

router = APIRouter(prefix="/api", tags=["check-ins"])


@router.get("/checkins", dependencies=[allowed(P.checkins_read)], response_model=list[CheckinOut])
def list_checkins(
    services: ServicesDep, user: UserDep,
    day: Annotated[IsoDate | None, Query(alias="date", description="Local date, YYYY-MM-DD")] = None,
    site: Annotated[str | None, Query(max_length=64)] = None,
    person: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Offset = 0,
) -> list[CheckinOut]:
    zone = services.config.settings.zone
    rows = services.checkins.search(day=day, site_id=site, person_id=person, limit=limit, offset=offset)
    return [checkin_out(c, zone) for c in rows]


@router.get("/checkins/by-village", dependencies=[allowed(P.checkins_read)], response_model=TodayOut)
def by_village(
    services: ServicesDep, user: UserDep,
    day: Annotated[IsoDate | None, Query(alias="date", description="Local date; today by default")] = None,
) -> TodayOut:
    zone = services.config.settings.zone
    the_day = day or services.checkins.today()
    villages = village_day(services.db, services.checkins, the_day)
    return TodayOut(
        date=the_day.isoformat(),
        villages=[
            VillageDayOut(
                site_id=v.site_id, name=v.name, checkins=[checkin_out(c, zone) for c in v.checkins],
                assigned=v.assigned, missing=v.missing,
            )
            for v in villages
        ],
    )


@router.get("/checkins/{checkin_id}/snapshot", dependencies=[allowed(P.checkin_snapshots_read)], response_class=FileResponse)
def snapshot(checkin_id: RowId, services: ServicesDep, user: UserDep) -> FileResponse:
    path = services.checkins.snapshot_file(checkin_id)
    if path is None or not path.exists():
        raise NotFound("snapshot_not_found", f"check-in {checkin_id} has no snapshot")
    return FileResponse(path, media_type="image/jpeg")
