"""Cheap aggregate queries for /metrics (computed at scrape time)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from watchd.db.models import Checkin, Incident, Notification

UNRESOLVED = ("open", "acknowledged")
QUEUED = ("pending", "sending", "unknown")  # waiting for delivery or for the provider's answer


class MetricsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def checkins_by_method(self) -> dict[str, int]:
        rows = self.session.execute(select(Checkin.method, func.count()).group_by(Checkin.method))
        return {str(method): int(n) for method, n in rows}

    def unresolved_incidents(self) -> dict[tuple[str, str, str], int]:
        """(kind, severity, status) -> count of incidents not yet resolved."""
        rows = self.session.execute(
            select(Incident.kind, Incident.severity, Incident.status, func.count())
            .where(Incident.status.in_(UNRESOLVED))
            .group_by(Incident.kind, Incident.severity, Incident.status)
        )
        return {(str(k), str(sev), str(st)): int(n) for k, sev, st, n in rows}

    def notifications_done(self) -> dict[tuple[str, str], int]:
        """(channel, "sent" | "failed") -> count. Sent counts under the channel that delivered; failed
        (every channel of the chain gave up) under the last channel tried."""
        out: dict[tuple[str, str], int] = {}
        sent = self.session.execute(
            select(Notification.sent_channel, func.count())
            .where(Notification.status == "sent")
            .group_by(Notification.sent_channel)
        )
        for channel, n in sent:
            out[(str(channel or ""), "sent")] = int(n)
        failed = self.session.execute(
            select(Notification.chain, Notification.channel_index).where(Notification.status == "failed")
        )
        for chain, index in failed:
            channel = chain[min(index, len(chain) - 1)] if chain else ""
            out[(channel, "failed")] = out.get((channel, "failed"), 0) + 1
        return out

    def outbox_depth(self) -> dict[str, int]:
        rows = self.session.execute(
            select(Notification.status, func.count())
            .where(Notification.status.in_(QUEUED))
            .group_by(Notification.status)
        )
        found = {str(st): int(n) for st, n in rows}
        return {st: found.get(st, 0) for st in QUEUED}
