"""Incidents (with the observations behind them and their history) and the outbox messages about
them with their delivery attempts: one aggregate, since a message links to its incidents and is
purged with them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from watchd.db.models import (
    DeliveryAttempt,
    Incident,
    IncidentEvent,
    Notification,
    NotificationIncident,
    ObservationRecord,
)
from watchd.db.repositories.idempotent import insert_once

REACHED = ("sending", "unknown", "sent", "delivered")  # may have reached the recipient
TERMINAL = ("sent", "delivered", "failed", "cancelled", "bundled")


class AlertsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- observations and incidents ---------------------------------------------------------------
    def insert_observation(self, row: ObservationRecord) -> bool:
        return insert_once(self.session, row)

    def add_incident(self, row: Incident) -> bool:
        return insert_once(self.session, row)

    def active_by_key(self, key: str) -> Incident | None:
        return self.session.scalars(select(Incident).where(Incident.active_key == key).with_for_update()).first()

    def has_active(self, key: str) -> bool:
        return self.session.scalar(select(Incident.id).where(Incident.active_key == key).limit(1)) is not None

    def incident(self, incident_id: int, *, lock: bool = False) -> Incident | None:
        stmt = select(Incident).where(Incident.id == incident_id)
        return self.session.scalars(stmt.with_for_update() if lock else stmt).first()

    def incidents(self, ids: Iterable[int]) -> Sequence[Incident]:
        return self.session.scalars(select(Incident).where(Incident.id.in_(list(ids))).order_by(Incident.id)).all()

    def due_incident_ids(self, now: datetime, limit: int) -> list[int]:
        rows = self.session.scalars(
            select(Incident.id)
            .where(Incident.status == "open", Incident.next_step_at.is_not(None), Incident.next_step_at <= now)
            .order_by(Incident.next_step_at)
            .limit(limit)
        )
        return list(rows)

    def acknowledged_incidents(self) -> Sequence[Incident]:
        return self.session.scalars(select(Incident).where(Incident.status == "acknowledged")).all()

    def search_incidents(
        self, *, statuses: Sequence[str] | None, site_id: str | None, limit: int, offset: int
    ) -> Sequence[Incident]:
        stmt = select(Incident)
        if statuses:
            stmt = stmt.where(Incident.status.in_(statuses))
        if site_id is not None:
            stmt = stmt.where(Incident.site_id == site_id)
        return self.session.scalars(stmt.order_by(Incident.opened_at.desc(), Incident.id.desc()).limit(limit).offset(offset)).all()

    def add_event(self, incident_id: int, at: datetime, event: str, actor: str = "", detail: str = "") -> None:
        self.session.add(IncidentEvent(incident_id=incident_id, at=at, event=event, actor=actor[:100], detail=detail[:500]))

    def events(self, incident_id: int) -> Sequence[IncidentEvent]:
        return self.session.scalars(
            select(IncidentEvent).where(IncidentEvent.incident_id == incident_id).order_by(IncidentEvent.at, IncidentEvent.id)
        ).all()

    def incidents_notified_to(self, address: str, since: datetime, statuses: Sequence[str]) -> Sequence[Incident]:
        """Incidents in `statuses` that a message to `address` (possibly) reached since `since`."""
        told = (
            select(NotificationIncident.incident_id)
            .join(Notification, Notification.id == NotificationIncident.notification_id)
            .where(Notification.address == address, Notification.status.in_(REACHED), Notification.created_at >= since)
        )
        return self.session.scalars(
            select(Incident).where(Incident.id.in_(told), Incident.status.in_(statuses)).order_by(Incident.id)
        ).all()

    # -- outbox -----------------------------------------------------------------------------------
    def add_notification(self, row: Notification, incident_ids: Sequence[int]) -> bool:
        """Insert a message and its incident links; False when its dedup key exists (already written)."""
        if not insert_once(self.session, row):
            return False
        self.session.add_all(NotificationIncident(notification_id=row.id, incident_id=i) for i in incident_ids)
        self.session.flush()
        return True

    def notification(self, notification_id: int, *, lock: bool = False) -> Notification | None:
        stmt = select(Notification).where(Notification.id == notification_id)
        return self.session.scalars(stmt.with_for_update() if lock else stmt).first()

    def notification_by_message_id(self, message_id: str) -> Notification | None:
        return self.session.scalars(select(Notification).where(Notification.message_id == message_id).with_for_update()).first()

    def notification_by_short_id(self, short_id: str) -> Notification | None:
        """A message by the first characters of its id (Aliyun voice keeps 15 bytes of OutId)."""
        if len(short_id) < 12:
            return None
        return self.session.scalars(
            select(Notification).where(Notification.message_id.startswith(short_id, autoescape=True)).with_for_update()
        ).first()

    def call_times(self, address: str, since: datetime) -> list[datetime]:
        """The call ledger of one number: when each call was placed, or is planned, since `since`
        (calls cancelled before they went out do not count)."""
        rows = self.session.execute(
            select(Notification.first_attempt_at, Notification.next_attempt_at, Notification.created_at).where(
                Notification.purpose == "call", Notification.address == address,
                Notification.status.not_in(("cancelled", "bundled")), Notification.created_at > since,
            )
        ).all()
        return [first or planned or created for first, planned, created in rows]

    def notification_by_provider_id(self, channel_id: str, provider_id: str) -> Notification | None:
        return self.session.scalars(
            select(Notification)
            .where(Notification.provider_id == provider_id, Notification.sent_channel == channel_id)
            .with_for_update()
        ).first()

    def due(self, status: str, now: datetime, limit: int) -> Sequence[Notification]:
        return self.session.scalars(
            select(Notification)
            .where(Notification.status == status, Notification.next_attempt_at <= now)
            .order_by(Notification.next_attempt_at, Notification.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()

    def attempt_times(self, throttle_key: str, since: datetime) -> list[datetime]:
        rows = self.session.scalars(
            select(Notification.first_attempt_at).where(
                Notification.throttle_key == throttle_key, Notification.first_attempt_at.is_not(None),
                Notification.first_attempt_at > since,
            )
        )
        return [t for t in rows if t is not None]

    def incident_ids_of(self, notification_ids: Sequence[int]) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {n: [] for n in notification_ids}
        rows = self.session.execute(
            select(NotificationIncident.notification_id, NotificationIncident.incident_id)
            .where(NotificationIncident.notification_id.in_(notification_ids))
            .order_by(NotificationIncident.incident_id)
        )
        for nid, iid in rows:
            out[nid].append(iid)
        return out

    def statuses_of(self, incident_ids: Iterable[int]) -> dict[int, str]:
        rows = self.session.execute(select(Incident.id, Incident.status).where(Incident.id.in_(list(incident_ids))))
        return {i: s for i, s in rows}

    def pending_for_incidents(self, incident_ids: Sequence[int]) -> Sequence[Notification]:
        about = select(NotificationIncident.notification_id).where(NotificationIncident.incident_id.in_(incident_ids))
        return self.session.scalars(
            select(Notification)
            .where(Notification.id.in_(about), Notification.status == "pending")
            .order_by(Notification.id)
            .with_for_update()
        ).all()

    def notifications_for_incident(self, incident_id: int) -> Sequence[Notification]:
        about = select(NotificationIncident.notification_id).where(NotificationIncident.incident_id == incident_id)
        return self.session.scalars(select(Notification).where(Notification.id.in_(about)).order_by(Notification.id)).all()

    def search_notifications(self, *, statuses: Sequence[str] | None, limit: int, offset: int) -> Sequence[Notification]:
        stmt = select(Notification)
        if statuses:
            stmt = stmt.where(Notification.status.in_(statuses))
        return self.session.scalars(stmt.order_by(Notification.id.desc()).limit(limit).offset(offset)).all()

    def status_counts(self) -> dict[str, int]:
        rows = self.session.execute(select(Notification.status, func.count()).group_by(Notification.status))
        return {s: int(n) for s, n in rows}

    def in_flight(self) -> Sequence[Notification]:
        return self.session.scalars(select(Notification).where(Notification.status == "sending").with_for_update()).all()

    def recipient_name(self, address: str) -> str | None:
        return self.session.scalars(
            select(Notification.recipient_name)
            .where(Notification.address == address, Notification.person_id.is_not(None))
            .order_by(Notification.id.desc())
            .limit(1)
        ).first()

    # -- attempts ---------------------------------------------------------------------------------
    def add_attempt(self, row: DeliveryAttempt) -> DeliveryAttempt:
        self.session.add(row)
        self.session.flush()
        return row

    def attempt(self, attempt_id: int) -> DeliveryAttempt | None:
        return self.session.get(DeliveryAttempt, attempt_id)

    def attempts(self, notification_ids: Sequence[int]) -> Sequence[DeliveryAttempt]:
        return self.session.scalars(
            select(DeliveryAttempt).where(DeliveryAttempt.notification_id.in_(notification_ids)).order_by(DeliveryAttempt.id)
        ).all()

    def close_interrupted_attempts(self, now: datetime) -> int:
        result = self.session.execute(
            update(DeliveryAttempt)
            .where(DeliveryAttempt.outcome.is_(None))
            .values(outcome="interrupted", finished_at=now, detail="the process stopped during the request")
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    # -- retention --------------------------------------------------------------------------------
    def purge(self, before: datetime, observations_before: datetime) -> int:
        """Delete resolved incidents (and their messages) older than `before`, observations older
        than `observations_before`; return the incidents deleted."""
        old = select(Incident.id).where(Incident.status == "resolved", Incident.resolved_at < before)
        self.session.execute(delete(ObservationRecord).where(ObservationRecord.received_at < observations_before))
        orphans = select(Notification.id).where(
            Notification.created_at < before, Notification.status.in_(TERMINAL),
            ~Notification.id.in_(
                select(NotificationIncident.notification_id).where(~NotificationIncident.incident_id.in_(old))
            ),
        )
        self.session.execute(
            update(Notification).where(Notification.bundled_into.in_(orphans)).values(bundled_into=None)
        )
        ids = list(self.session.scalars(orphans))
        if ids:
            self.session.execute(delete(Notification).where(Notification.id.in_(ids)))
        result = self.session.execute(delete(Incident).where(Incident.id.in_(old)))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    # -- what the duty room shows ----------------------------------------------------------------
    def incidents_between(self, site_ids: Sequence[str], start: datetime, end: datetime) -> Sequence[Incident]:
        """Incidents of these sites opened in [start, end), or opened before and still unresolved then."""
        return self.session.scalars(
            select(Incident).where(
                Incident.site_id.in_(list(site_ids)), Incident.opened_at < end,
                or_(Incident.opened_at >= start, Incident.resolved_at.is_(None), Incident.resolved_at >= start),
            ).order_by(Incident.opened_at, Incident.id)
        ).all()

    def latest_incident_with_snapshot(self, site_id: str) -> Incident | None:
        return self.session.scalars(
            select(Incident).where(Incident.site_id == site_id, Incident.snapshot_path.is_not(None))
            .order_by(Incident.opened_at.desc(), Incident.id.desc()).limit(1)
        ).first()
