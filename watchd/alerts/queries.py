"""Reading incidents and messages: the incident list, one incident with its history and messages,
the outbox, an incident's snapshot."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from watchd.alerts.views import (
    IncidentDetail,
    IncidentView,
    NotificationView,
    event_view,
    incident_view,
    notification_view,
)
from watchd.db.models import Incident
from watchd.db.repositories.alerts import AlertsRepository
from watchd.db.repositories.sites import SitesRepository
from watchd.db.session import Database
from watchd.errors import NotFound


def incident_or_404(repo: AlertsRepository, incident_id: int, *, lock: bool = False) -> Incident:
    row = repo.incident(incident_id, lock=lock)
    if row is None:
        raise NotFound("incident_not_found", f"no incident {incident_id}")
    return row


def site_names(repo: AlertsRepository) -> dict[str, str]:
    return {site.id: site.name for site in SitesRepository(repo.session).list_sites()}


class IncidentQueries:
    def __init__(self, db: Database, data_dir: Path) -> None:
        self.db = db
        self.data_dir = data_dir

    def search(
        self, *, statuses: Sequence[str] | None = None, site_id: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[IncidentView]:
        with self.db.read() as s:
            repo = AlertsRepository(s)
            names = site_names(repo)
            rows = repo.search_incidents(statuses=statuses, site_id=site_id, limit=limit, offset=offset)
            return [incident_view(r, names.get(r.site_id, r.site_id)) for r in rows]

    def get(self, incident_id: int) -> IncidentDetail:
        with self.db.read() as s:
            repo = AlertsRepository(s)
            row = incident_or_404(repo, incident_id)
            names = site_names(repo)
            messages = repo.notifications_for_incident(incident_id)
            attempts = repo.attempts([n.id for n in messages])
            return IncidentDetail(
                incident=incident_view(row, names.get(row.site_id, row.site_id)),
                events=[event_view(e) for e in repo.events(incident_id)],
                notifications=[notification_view(n, [a for a in attempts if a.notification_id == n.id]) for n in messages],
            )

    def notifications(
        self, *, statuses: Sequence[str] | None = None, limit: int = 100, offset: int = 0
    ) -> list[NotificationView]:
        with self.db.read() as s:
            repo = AlertsRepository(s)
            rows = repo.search_notifications(statuses=statuses, limit=limit, offset=offset)
            attempts = repo.attempts([n.id for n in rows])
            return [notification_view(n, [a for a in attempts if a.notification_id == n.id]) for n in rows]

    def outbox_counts(self) -> dict[str, int]:
        with self.db.read() as s:
            return AlertsRepository(s).status_counts()

    def snapshot_file(self, incident_id: int) -> Path:
        with self.db.read() as s:
            row = incident_or_404(AlertsRepository(s), incident_id)
            rel = row.snapshot_path
        root = self.data_dir.resolve()
        path = (root / rel).resolve() if rel else None
        if path is None or not path.is_relative_to(root) or not path.is_file():
            raise NotFound("snapshot_not_found", f"incident {incident_id} has no snapshot")
        return path
