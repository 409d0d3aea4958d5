"""Incidents for the dashboard: list, detail with timeline and messages, acknowledge, resolve; the
outbox and the channels for administrators; reporting an observation by hand."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.access import P, allowed
from api.deps import ServicesDep, UserDep
from api.params import Offset, RowId
from watchd.alerts.views import IncidentView, NotificationView
from watchd.domain.observations import Observation, ObservationKind, Severity
from watchd.settings.sites import Identifier

router = APIRouter(prefix="/api", tags=["incidents"])
StatusFilter = Literal["open", "acknowledged", "resolved"]


class IncidentOut(BaseModel):
    id: int
    code: str = Field(description="Short code quoted in messages; a reply with it acknowledges this incident")
    kind: str
    site_id: str
    site_name: str
    subject: str
    severity: str
    status: str
    status_text: str
    summary: str
    event_text: str
    count: int = Field(description="Observations while unresolved (repeats are counted, not notified)")
    opened_at: datetime
    last_seen_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    has_snapshot: bool
    escalation_step: int
    next_step_at: datetime | None


class AttemptOut(BaseModel):
    channel_id: str
    action: str
    started_at: datetime
    outcome: str | None
    provider_id: str | None
    detail: str


class NotificationOut(BaseModel):
    id: int
    message_id: str
    purpose: str
    recipient_name: str
    address: str
    status: str
    channel_id: str
    text: str
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    attempts: int
    last_detail: str
    bundled_into: int | None
    history: list[AttemptOut]


class EventOut(BaseModel):
    at: datetime
    event: str
    actor: str
    detail: str


class IncidentDetailOut(BaseModel):
    incident: IncidentOut
    events: list[EventOut]
    notifications: list[NotificationOut]


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


class ReportOut(BaseModel):
    status: str
    incident_id: int | None
    messages: int


class ChannelOut(BaseModel):
    id: str
    kind: str
    audience: str
    enabled: bool
    callback_url: str = Field(description="Give this URL to the provider for delivery reports and replies")


class OutboxOut(BaseModel):
    counts: dict[str, int]
    channels: list[ChannelOut]


def _local(value: Any, zone: ZoneInfo) -> Any:
    """Times in the township's zone, as the other endpoints show them."""
    if isinstance(value, datetime):
        return value.astimezone(zone)
    if isinstance(value, dict):
        return {k: _local(v, zone) for k, v in value.items()}
    if isinstance(value, list):
        return [_local(v, zone) for v in value]
    return value


def _fields(view: object, zone: ZoneInfo) -> Any:
    return _local(asdict(view), zone)  # type: ignore[call-overload]


def incident_out(v: IncidentView, zone: ZoneInfo) -> IncidentOut:
    return IncidentOut.model_validate(_fields(v, zone))


def notification_out(v: NotificationView, zone: ZoneInfo) -> NotificationOut:
    return NotificationOut.model_validate(_fields(v, zone))


@router.get("/incidents", dependencies=[allowed(P.incidents_read)], response_model=list[IncidentOut])
def list_incidents(
    services: ServicesDep, user: UserDep,
    status: Annotated[list[StatusFilter] | None, Query(description="Repeat to combine; default: all")] = None,
    site: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> list[IncidentOut]:
    rows = services.alerts.search(statuses=status, site_id=site, limit=limit, offset=offset)
    return [incident_out(v, services.config.settings.zone) for v in rows]


@router.get("/incidents/{incident_id}", dependencies=[allowed(P.incidents_read)], response_model=IncidentDetailOut)
def get_incident(incident_id: RowId, services: ServicesDep, user: UserDep) -> IncidentDetailOut:
    return IncidentDetailOut.model_validate(_fields(services.alerts.get(incident_id), services.config.settings.zone))


@router.post("/incidents/{incident_id}/acknowledge", dependencies=[allowed(P.incidents_respond)], response_model=IncidentOut)
def acknowledge(incident_id: RowId, services: ServicesDep, user: UserDep) -> IncidentOut:
    """Take responsibility: escalation stops, messages not yet sent are dropped. Idempotent."""
    view = services.alerts.acknowledge(incident_id, user.username, via="dashboard")
    return incident_out(view, services.config.settings.zone)


@router.post("/incidents/{incident_id}/resolve", dependencies=[allowed(P.incidents_respond)], response_model=IncidentOut)
def resolve(incident_id: RowId, body: ResolveIn, services: ServicesDep, user: UserDep) -> IncidentOut:
    """Close the incident; the next observation with its key opens a new one. Idempotent."""
    view = services.alerts.resolve(incident_id, user.username, body.note)
    return incident_out(view, services.config.settings.zone)


@router.get("/incidents/{incident_id}/snapshot", dependencies=[allowed(P.camera_media_read)], response_class=FileResponse)
def snapshot(incident_id: RowId, services: ServicesDep, user: UserDep) -> FileResponse:
    return FileResponse(services.alerts.snapshot_file(incident_id), media_type="image/jpeg")


@router.post("/observations", dependencies=[allowed(P.observations_report)], response_model=ReportOut, status_code=201)
async def report_observation(body: ObservationIn, services: ServicesDep, user: UserDep) -> ReportOut:
    """Report an observation by hand (a test alarm, an integration); the same rules apply."""
    obs = Observation(
        kind=body.kind, site_id=body.site_id, subject=body.subject, occurred_at=body.occurred_at,
        active=body.active, severity=body.severity, summary=body.summary, details=body.details,
    )
    outcome = await run_in_threadpool(services.alerts.record, obs)
    return ReportOut(status=outcome.status, incident_id=outcome.incident_id, messages=outcome.messages)


@router.get("/alerts/notifications", dependencies=[allowed(P.incidents_read)], response_model=list[NotificationOut])
def list_notifications(
    services: ServicesDep, user: UserDep,
    status: Annotated[list[str] | None, Query(description="pending, sending, unknown, sent, delivered, failed, cancelled, bundled")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> list[NotificationOut]:
    rows = services.alerts.notifications(statuses=status, limit=limit, offset=offset)
    return [notification_out(n, services.config.settings.zone) for n in rows]


@router.get("/alerts/outbox", dependencies=[allowed(P.alerts_manage)], response_model=OutboxOut)
def outbox(services: ServicesDep, user: UserDep) -> OutboxOut:
    """Messages per status, and each channel with the callback URL to give its provider."""
    return OutboxOut(
        counts=services.alerts.outbox_counts(),
        channels=[ChannelOut.model_validate(asdict(c)) for c in services.alerts.channels()],
    )
