"""People acting on incidents: acknowledging or resolving on the dashboard, and the acknowledge link
sent in messages (a signed token: it shows the incidents behind the message and acknowledges them)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from watchd.alerts.escalator import Escalator
from watchd.alerts.links import BadToken, Signer
from watchd.alerts.queries import IncidentQueries, incident_or_404, site_names
from watchd.alerts.views import AckPage, IncidentView, incident_view
from watchd.alerts.write_turns import WriteTurns
from watchd.db.repositories.alerts import AlertsRepository
from watchd.db.repositories.review import ReviewRepository
from watchd.db.session import Database
from watchd.errors import NotFound, Unauthorized

log = logging.getLogger(__name__)


class Acknowledgements:
    def __init__(
        self, db: Database, writes: WriteTurns, escalator: Escalator, signer: Signer, clock: Callable[[], datetime],
        queries: IncidentQueries,
    ) -> None:
        self.db = db
        self.writes = writes
        self.escalator = escalator
        self.signer = signer
        self.clock = clock
        self.queries = queries

    def acknowledge(self, incident_id: int, actor: str, via: str = "dashboard") -> IncidentView:
        with self.writes.unit() as repo:
            row = incident_or_404(repo, incident_id, lock=True)
            self.escalator.acknowledge(repo, row, actor, via, self.clock())
        return self.queries.get(incident_id).incident

    def resolve(self, incident_id: int, actor: str, note: str = "") -> IncidentView:
        with self.writes.unit() as repo:
            row = incident_or_404(repo, incident_id, lock=True)
            self.escalator.resolve(repo, row, actor, note or "resolved by hand", self.clock())
        return self.queries.get(incident_id).incident

    @contextmanager
    def _reading(self) -> Iterator[AlertsRepository]:
        with self.db.read() as s:
            yield AlertsRepository(s)

    def ack_page(self, token: str, *, acknowledge: bool = False) -> AckPage:
        """The incidents behind a link; with `acknowledge`, acknowledge the open ones first."""
        now = self.clock()
        try:
            claim = self.signer.read_ack_token(token, now)
        except BadToken as exc:
            raise Unauthorized(exc.code, f"acknowledge link refused: {exc.code}") from None
        acked: list[str] = []
        with self.writes.unit() if acknowledge else self._reading() as repo:
            n = repo.notification(claim.notification_id)
            if n is None:
                raise NotFound("link_invalid", "the message behind this link no longer exists")
            ids = repo.incident_ids_of([n.id])[n.id]
            who = n.recipient_name if n.person_id else f"群 {n.recipient_name}"
            if acknowledge:
                for row in repo.incidents(ids):
                    locked = repo.incident(row.id, lock=True)
                    if locked is not None and self.escalator.acknowledge(repo, locked, who, "link", now):
                        acked.append(str(locked.id))
            names = site_names(repo)
            views = [incident_view(r, names.get(r.site_id, r.site_id)) for r in repo.incidents(ids)]
            clips = frozenset(incident_clips(repo, ids))
        if acked:
            log.info("incidents %s acknowledged by %s through a link", ",".join(acked), who)
        return AckPage(
            recipient_name=who, incidents=views, expires_at=claim.expires_at,
            acknowledged_now=[v.code for v in views if str(v.id) in acked], clips=clips,
        )

    def link_snapshot(self, token: str, incident_id: int) -> Path:
        page = self.ack_page(token)
        if incident_id not in {v.id for v in page.incidents}:
            raise NotFound("snapshot_not_found", "no such incident behind this link")
        return self.queries.snapshot_file(incident_id)

    def link_clip(self, token: str, incident_id: int) -> Path:
        """The latest clip of an incident behind the link (the leader watches what the officer saw)."""
        page = self.ack_page(token)
        if incident_id not in {v.id for v in page.incidents}:
            raise NotFound("clip_not_found", "no such incident behind this link")
        with self._reading() as repo:
            rel = incident_clips(repo, [incident_id]).get(incident_id)
        root = self.queries.data_dir.resolve()
        path = (root / rel).resolve() if rel else None
        if path is None or not path.is_relative_to(root) or not path.is_file():
            raise NotFound("clip_not_found", f"incident {incident_id} has no clip")
        return path


def incident_clips(repo: AlertsRepository, incident_ids: Sequence[int]) -> dict[int, str]:
    """incident id -> the clip of its latest camera event that has one (relative to the data directory)."""
    reviews = ReviewRepository(repo.session)
    items = reviews.for_incidents(incident_ids)
    clips = reviews.clips([i.camera_event_id for i in items if i.camera_event_id is not None])
    out: dict[int, str] = {}
    for item in items:  # ordered by id: the latest wins
        if item.incident_id is not None and item.camera_event_id in clips:
            out[item.incident_id] = clips[item.camera_event_id]
    return out
