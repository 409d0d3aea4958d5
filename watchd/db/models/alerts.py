"""Incidents, the observations behind them, the notification outbox and its delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from watchd.db.base import Base, UTCDateTime


class Incident(Base):
    """One condition someone must take responsibility for. At most one unresolved incident per key:
    `active_key` equals `key` until the incident is resolved, then NULL (a unique column)."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_status_opened", "status", "opened_at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    active_key: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
    kind: Mapped[str] = mapped_column(String(40))
    site_id: Mapped[str] = mapped_column(String(64), index=True)  # no FK: observations may name any site
    subject: Mapped[str] = mapped_column(String(100))
    severity: Mapped[str] = mapped_column(String(10))  # normal | major
    status: Mapped[str] = mapped_column(String(16))  # open | acknowledged | resolved
    summary: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    snapshot_path: Mapped[str | None] = mapped_column(String(300), default=None)
    count: Mapped[int] = mapped_column(default=1)  # observations while unresolved
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    acknowledged_by: Mapped[str | None] = mapped_column(String(100), default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    resolved_by: Mapped[str | None] = mapped_column(String(100), default=None)
    # Escalation: the policy frozen at opening, the next step to run and when (NULL: nothing more to do).
    policy: Mapped[dict[str, Any]] = mapped_column(JSON)
    notify: Mapped[bool] = mapped_column(default=True)
    step: Mapped[int] = mapped_column(default=0)
    next_step_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)
    # Video verification (revision 0013): held | real | timed_out | settled | major; NULL: not held.
    # While held, `next_step_at` is when the hold ends by itself (watchd/domain/review.py).
    review_hold: Mapped[str | None] = mapped_column(String(16), default=None)


class IncidentEvent(Base):
    """The incident's timeline: opened, notified, escalated, upgraded, acknowledged, resolved."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    event: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(100), default="")
    detail: Mapped[str] = mapped_column(String(500), default="")


class ObservationRecord(Base):
    """Every observation received; the natural key makes a replayed observation a no-op."""

    __tablename__ = "observations"
    __table_args__ = (UniqueConstraint("key", "occurred_at", "active", name="uq_observations_natural"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"), default=None)


class Notification(Base):
    """The outbox: one message to one recipient, written in the same transaction as the incident change.

    `message_id` is our id, carried to the provider. `dedup_key` (incident, step, recipient) makes an
    escalation step that runs twice write each message once. Status: pending → sending → sent →
    delivered, or unknown (asked about before anything is re-sent), failed, cancelled (the incident
    was acknowledged first), bundled (merged into a summary message, `bundled_into`)."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_due", "status", "next_attempt_at"),
        Index("ix_notifications_throttle", "throttle_key", "first_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(40), unique=True)
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), default=None)
    purpose: Mapped[str] = mapped_column(String(16))  # alert | escalation | digest | group | reminder (no incident)
    person_id: Mapped[str | None] = mapped_column(String(64), default=None)
    recipient_name: Mapped[str] = mapped_column(String(60), default="")
    address: Mapped[str] = mapped_column(String(64))  # phone number, or "group:<channel id>"
    throttle_key: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(String(1000), default="")
    params: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    chain: Mapped[list[str]] = mapped_column(JSON)  # channel ids, tried in order
    channel_index: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    first_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)  # counts for throttling
    channel_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    unknown_since: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    attempts: Mapped[int] = mapped_column(default=0)
    channel_attempts: Mapped[int] = mapped_column(default=0)
    queries: Mapped[int] = mapped_column(default=0)
    provider_id: Mapped[str | None] = mapped_column(String(100), default=None, index=True)
    sent_channel: Mapped[str | None] = mapped_column(String(64), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_detail: Mapped[str] = mapped_column(String(300), default="")
    bundled_into: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"), default=None)


class NotificationIncident(Base):
    """Which incidents a message is about (one, or several for a summary)."""

    __tablename__ = "notification_incidents"

    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"), primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True, index=True)


class DeliveryAttempt(Base):
    """One request to a provider (send or query) or one receipt, with what came back."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(10))  # send | query | receipt
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    outcome: Mapped[str | None] = mapped_column(String(16), default=None)  # NULL: in flight (or interrupted)
    provider_id: Mapped[str | None] = mapped_column(String(100), default=None)
    detail: Mapped[str] = mapped_column(String(300), default="")


class InboundReplyRecord(Base):
    """An SMS reply; the natural key (sender, time, text) makes a re-delivered reply a no-op."""

    __tablename__ = "inbound_replies"
    __table_args__ = (UniqueConstraint("sender", "received_at", "text", name="uq_inbound_replies_natural"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    sender: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(500))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    result: Mapped[str] = mapped_column(String(300), default="")


class RunnerLease(Base):
    """Only the holder of this lease runs escalation and delivery."""

    __tablename__ = "alert_runner_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
