"""Incidents for the dashboard: list, detail with timeline and messages, acknowledge, resolve; the
outbox and the channels for administrators; reporting an observation by hand."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.access import P, allowed
from api.deps import ServicesDep, UserDep
from api.params import Offset, RowId
from api.views import shown
from watchd.alerts.views import ChannelView, IncidentDetail, IncidentView, NotificationView, ReportOutcome
from watchd.domain.observations import Observation, ObservationKind, Severity
from watchd.settings.sites import Identifier

router = APIRouter(prefix="/api", tags=["incidents"])
StatusFilter = Literal["open", "acknowledged", "resolved"]


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field("", max_length=300, description="What was done")


class ObservationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: ObservationKind
    site_id: Identifier
    subject: str = Field(min_length=1, max_length=100)
    occurred_at: AwareDatetime
    active: bool = True
    severity: Severity | None = Field(
        None, description="normal or major; empty: as configured for the kind and site ([alerts.kinds])"
    )
    summary: str = Field("", max_length=200)
    details: dict[str, Any] = Field(default_factory=dict)


class OutboxOut(BaseModel):
    counts: dict[str, int]
    channels: list[ChannelView]


@router.get("/incidents", dependencies=[allowed(P.incidents_read)], response_model=list[IncidentView])
def list_incidents(
    services: ServicesDep, user: UserDep,
    status: Annotated[list[StatusFilter] | None, Query(description="Repeat to combine; default: all")] = None,
    site: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> list[IncidentView]:
    rows = services.alerts.search(statuses=status, site_id=site, limit=limit, offset=offset)
    return shown(rows, services.config.settings.zone)


@router.get("/incidents/{incident_id}", dependencies=[allowed(P.incidents_read)], response_model=IncidentDetail)
def get_incident(incident_id: RowId, services: ServicesDep, user: UserDep) -> IncidentDetail:
    return shown(services.alerts.get(incident_id), services.config.settings.zone)


@router.post("/incidents/{incident_id}/acknowledge", dependencies=[allowed(P.incidents_respond)], response_model=IncidentView)
def acknowledge(incident_id: RowId, services: ServicesDep, user: UserDep) -> IncidentView:
    """Take responsibility: escalation stops, messages not yet sent are dropped. Idempotent."""
    view = services.alerts.acknowledge(incident_id, user.username, via="dashboard")
    return shown(view, services.config.settings.zone)


@router.post("/incidents/{incident_id}/resolve", dependencies=[allowed(P.incidents_respond)], response_model=IncidentView)
def resolve(incident_id: RowId, body: ResolveIn, services: ServicesDep, user: UserDep) -> IncidentView:
    """Close the incident; the next observation with its key opens a new one. Idempotent."""
    view = services.alerts.resolve(incident_id, user.username, body.note)
    return shown(view, services.config.settings.zone)


@router.get("/incidents/{incident_id}/snapshot", dependencies=[allowed(P.camera_media_read)], response_class=FileResponse)
def snapshot(incident_id: RowId, services: ServicesDep, user: UserDep) -> FileResponse:
    return FileResponse(services.alerts.snapshot_file(incident_id), media_type="image/jpeg")


@router.post("/observations", dependencies=[allowed(P.observations_report)], response_model=ReportOutcome, status_code=201)
async def report_observation(body: ObservationIn, services: ServicesDep, user: UserDep) -> ReportOutcome:
    """Report an observation by hand (a test alarm, an integration); the same rules apply."""
    obs = Observation(
        kind=body.kind, site_id=body.site_id, subject=body.subject, occurred_at=body.occurred_at,
        active=body.active, severity=body.severity, summary=body.summary, details=body.details,
    )
    return await run_in_threadpool(services.alerts.record, obs)


@router.get("/alerts/notifications", dependencies=[allowed(P.incidents_read)], response_model=list[NotificationView])
def list_notifications(
    services: ServicesDep, user: UserDep,
    status: Annotated[list[str] | None, Query(description="pending, sending, unknown, sent, delivered, failed, cancelled, bundled")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> list[NotificationView]:
    rows = services.alerts.notifications(statuses=status, limit=limit, offset=offset)
    return shown(rows, services.config.settings.zone)


@router.get("/alerts/outbox", dependencies=[allowed(P.alerts_manage)], response_model=OutboxOut)
def outbox(services: ServicesDep, user: UserDep) -> OutboxOut:
    """Messages per status, and each channel with the callback URL to give its provider."""
    return OutboxOut(
        counts=services.alerts.outbox_counts(),
        channels=services.alerts.channels(),
    )
