"""Writing messages into the outbox: recipient, channel chain, text with a signed acknowledge link."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from watchd.alerts.links import Signer, expiry
from watchd.alerts.texts import IncidentFacts
from watchd.db.models import Incident, Notification
from watchd.db.repositories.alerts import AlertsRepository
from watchd.db.repositories.sites import SitesRepository
from watchd.domain.incidents import incident_code

Render = Callable[[str], tuple[str, dict[str, str]]]  # link -> (text, template params)


@dataclass(frozen=True, slots=True)
class Recipient:
    person_id: str | None
    name: str
    address: str  # normalized phone number, or "group:<channel id>"

    @classmethod
    def group(cls, channel_id: str) -> Recipient:
        return cls(None, channel_id, f"group:{channel_id}")


def new_message_id() -> str:
    return "wd" + uuid.uuid4().hex[:22]


class Composer:
    def __init__(self, *, township: str, zone: ZoneInfo, signer: Signer, base_url: str, link_ttl_hours: int) -> None:
        self.township = township
        self.zone = zone
        self.signer = signer
        self.base_url = base_url.rstrip("/")
        self.link_ttl_hours = link_ttl_hours

    def link(self, notification_id: int, now: datetime) -> str:
        return f"{self.base_url}/a/{self.signer.ack_token(notification_id, expiry(now, self.link_ttl_hours))}"

    def facts(self, repo: AlertsRepository, incident: Incident) -> IncidentFacts:
        site = SitesRepository(repo.session).get_site(incident.site_id)
        return IncidentFacts(
            code=incident_code(incident.id), kind=incident.kind, severity=incident.severity,
            site_name=site.name if site is not None else incident.site_id, summary=incident.summary,
            opened_at=incident.opened_at, count=incident.count, review=incident.review_hold or "",
        )

    def add_message(
        self, repo: AlertsRepository, *, dedup_key: str, incident_ids: Sequence[int], purpose: str,
        recipient: Recipient, chain: Sequence[str], now: datetime, render: Render, throttle_key: str | None = None,
    ) -> Notification | None:
        """Write one message; None when `dedup_key` was written before (a step that ran twice)."""
        row = Notification(
            message_id=new_message_id(), dedup_key=dedup_key,
            incident_id=incident_ids[0] if len(incident_ids) == 1 else None, purpose=purpose,
            person_id=recipient.person_id, recipient_name=recipient.name[:60], address=recipient.address,
            throttle_key=throttle_key or recipient.address, text="", params={}, chain=list(chain), channel_index=0,
            status="pending", created_at=now, next_attempt_at=now, attempts=0, channel_attempts=0, queries=0,
            last_detail="",
        )
        if not repo.add_notification(row, incident_ids):
            return None
        row.text, row.params = render(self.link(row.id, now))
        return row
