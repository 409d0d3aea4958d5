"""Direct messages: to one person and about no incident (a visit reminder, a monthly list).

From the outbox on they take the incident messages' path: our id goes to the provider, retries back
off, a dead channel fails over to the next person channel, every attempt is recorded, a timeout is
asked about before anything is re-sent, and the recipient's flood limits count them. But there is no
incident behind them: nothing escalates, nothing is acknowledged, a reply changes nothing, and they
are never merged into an incident summary (`Outbox.claim` sends incident messages first).

The caller writes them inside its own unit of work, so a message is queued together with whatever
caused it, or not at all; the key makes a second write of the same message a no-op.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from watchd.alerts.compose import Composer, Recipient
from watchd.db.models import Notification
from watchd.db.repositories.alerts import AlertsRepository
from watchd.domain.incidents import normalize_phone

log = logging.getLogger(__name__)
MAX_TEXT = 1000  # the outbox column; an SMS provider splits longer texts into parts anyway


@dataclass(frozen=True, slots=True)
class DirectMessage:
    key: str  # natural key of what the message is for (e.g. a reminder's key): written once, ever
    purpose: str  # shown in the outbox listing, e.g. "reminder" (at most 16 characters)
    person_id: str | None
    name: str
    phone: str
    text: str
    params: Mapping[str, str] = field(default_factory=dict)  # for template SMS channels; `text` is always there


def dedup_key(key: str) -> str:
    return f"direct:{key}"[:200]


def write_direct(
    repo: AlertsRepository, composer: Composer, message: DirectMessage, chain: Sequence[str], now: datetime
) -> Notification | None:
    """Queue one message in the caller's unit of work; None when its key was written before."""
    if not chain:
        raise ValueError("no person channel to send a direct message through")
    text = message.text if len(message.text) <= MAX_TEXT else message.text[: MAX_TEXT - 1] + "…"
    row = composer.add_message(
        repo, dedup_key=dedup_key(message.key), incident_ids=[], purpose=message.purpose[:16],
        recipient=Recipient(message.person_id, message.name, normalize_phone(message.phone)), chain=chain, now=now,
        render=lambda _link: (text, dict(message.params)),  # no incident, nothing to acknowledge: no link
    )
    if row is not None:
        log.info("%s %s queued for %s (message %s)", message.purpose, message.key, message.name, row.message_id)
    return row
