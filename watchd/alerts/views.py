"""What the alert service hands to the API: plain dataclasses, no ORM objects; the API answers with them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import Field

from watchd.alerts.texts import STATUS_TEXT, event_text
from watchd.db.models import DeliveryAttempt, Incident, IncidentEvent, Notification
from watchd.domain.incidents import incident_code


@dataclass(frozen=True, slots=True)
class IncidentView:
    id: int
    code: Annotated[str, Field(description="Short code quoted in messages; a reply with it acknowledges this incident")]
    kind: str
    site_id: str
    site_name: str
    subject: str
    severity: str
    status: str
    status_text: str
    summary: str
    event_text: str
    count: Annotated[int, Field(description="Observations while unresolved (repeats are counted, not notified)")]
    opened_at: datetime
    last_seen_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    has_snapshot: bool
    escalation_step: int
    next_step_at: datetime | None


@dataclass(frozen=True, slots=True)
class EventView:
    at: datetime
    event: str
    actor: str
    detail: str


@dataclass(frozen=True, slots=True)
class AttemptView:
    channel_id: str
    action: str
    started_at: datetime
    outcome: str | None
    provider_id: str | None
    detail: str


@dataclass(frozen=True, slots=True)
class NotificationView:
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
    history: list[AttemptView]


@dataclass(frozen=True, slots=True)
class IncidentDetail:
    incident: IncidentView
    events: list[EventView]
    notifications: list[NotificationView]


@dataclass(frozen=True, slots=True)
class AckPage:
    recipient_name: str
    incidents: list[IncidentView]
    expires_at: datetime
    acknowledged_now: list[str]  # codes acknowledged by this request
    clips: frozenset[int] = frozenset()  # incidents with a camera clip the page plays


@dataclass(frozen=True, slots=True)
class ReplyOutcome:
    understood: bool
    acknowledged: list[str]  # incident codes
    duplicate: bool = False


@dataclass(frozen=True, slots=True)
class ReportOutcome:
    status: str  # opened | repeat | resolved | ignored | duplicate
    incident_id: int | None
    messages: int = 0


@dataclass(frozen=True, slots=True)
class ChannelView:
    id: str
    kind: str
    audience: str
    enabled: bool
    callback_url: Annotated[str, Field(description="Give this URL to the provider for delivery reports and replies")]


def incident_view(row: Incident, site_name: str) -> IncidentView:
    return IncidentView(
        id=row.id, code=incident_code(row.id), kind=row.kind, site_id=row.site_id, site_name=site_name,
        subject=row.subject, severity=row.severity, status=row.status, status_text=STATUS_TEXT.get(row.status, row.status),
        summary=row.summary, event_text=event_text(row.kind, row.summary), count=row.count, opened_at=row.opened_at,
        last_seen_at=row.last_seen_at, acknowledged_at=row.acknowledged_at, acknowledged_by=row.acknowledged_by,
        resolved_at=row.resolved_at, resolved_by=row.resolved_by, has_snapshot=row.snapshot_path is not None,
        escalation_step=row.step, next_step_at=row.next_step_at,
    )


def event_view(row: IncidentEvent) -> EventView:
    return EventView(at=row.at, event=row.event, actor=row.actor, detail=row.detail)


def notification_view(row: Notification, attempts: list[DeliveryAttempt]) -> NotificationView:
    return NotificationView(
        id=row.id, message_id=row.message_id, purpose=row.purpose, recipient_name=row.recipient_name,
        address=row.address, status=row.status, channel_id=row.sent_channel or row.chain[row.channel_index],
        text=row.text, created_at=row.created_at, sent_at=row.sent_at, delivered_at=row.delivered_at,
        attempts=row.attempts, last_detail=row.last_detail, bundled_into=row.bundled_into,
        history=[
            AttemptView(channel_id=a.channel_id, action=a.action, started_at=a.started_at, outcome=a.outcome,
                        provider_id=a.provider_id, detail=a.detail)
            for a in attempts
        ],
    )
