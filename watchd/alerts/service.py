"""The alert service: observations in, incidents and outbox messages out; acknowledgement by
dashboard, link or SMS reply; delivery receipts. Every change is one unit of work, and every message
is written in the same transaction as the incident change that caused it.

Each job has its module: `intake` (observations), `acknowledge` (people acting, the acknowledge
link), `replies` (SMS replies, receipts, provider callbacks), `queries` (incidents and messages).
This builds them on the shared pieces (signer, composer, escalator, outbox) and is the one object
the rest of watchd holds. Producers call `report(observation)` (the `ObservationSink`); the modem
channel and providers' pull APIs call `handle_reply` and `handle_receipt`; `AlertRunner` runs the
escalation steps and the outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from watchd.alerts.acknowledge import Acknowledgements
from watchd.alerts.compose import Composer
from watchd.alerts.escalator import Escalator
from watchd.alerts.intake import Intake
from watchd.alerts.links import Signer
from watchd.alerts.notifiers.base import (
    CallbackRequest,
    CallbackResult,
    ChannelContext,
    DeliveryReceipt,
    Inbound,
    InboundReply,
    Notifier,
)
from watchd.alerts.notifiers.registry import create_notifier
from watchd.alerts.oncall import ConfiguredOnCall, OnCallDirectory
from watchd.alerts.outbox import Outbox
from watchd.alerts.queries import IncidentQueries
from watchd.alerts.recipients import RecipientChain
from watchd.alerts.replies import Replies
from watchd.alerts.review import ReviewDesk
from watchd.alerts.secret_key import load_secret_key
from watchd.alerts.views import (
    AckPage,
    ChannelView,
    IncidentDetail,
    IncidentView,
    NotificationView,
    ReplyOutcome,
    ReportOutcome,
)
from watchd.alerts.write_turns import WriteTurns
from watchd.db.session import Database
from watchd.domain.notices import NoticeSink
from watchd.domain.observations import Observation
from watchd.settings.root import Settings

log = logging.getLogger(__name__)


def base_url(settings: Settings) -> str:
    if settings.alerts.public_url:
        return settings.alerts.public_url.rstrip("/")
    server = settings.server
    scheme = "https" if server.tls_cert else "http"
    host = "127.0.0.1" if server.host in ("0.0.0.0", "::", "") else server.host
    return f"{scheme}://{host}:{server.port}"


class AlertService:
    def __init__(
        self, db: Database, settings: Settings, data_dir: Path, clock: Callable[[], datetime],
        oncall: OnCallDirectory | None = None,
    ) -> None:
        self.db = db
        self.settings = settings.alerts
        self.clock = clock
        self.zone = settings.zone
        self.signer = Signer(load_secret_key(data_dir))
        self.base_url = base_url(settings)
        self.composer = Composer(
            township=settings.township, zone=self.zone, signer=self.signer, base_url=self.base_url,
            link_ttl_hours=self.settings.link_ttl_hours,
        )
        # Where an alert goes when nobody of the role it targets can be reached; the notice service,
        # built after this one, registers itself as `notices` (NoticeSink) for the notice that says so.
        self.notices: NoticeSink | None = None
        recipients = RecipientChain(settings.notices.contacts, lambda: self.notices)
        self.escalator = Escalator(
            self.settings, self.composer, oncall or ConfiguredOnCall(db, self.settings.on_call), recipients
        )
        self.writes = WriteTurns(db)
        self.outbox = Outbox(self.writes, self.settings, self.composer)
        self.channel_context = ChannelContext(data_dir=data_dir)
        self._wake: Callable[[], None] | None = None
        self.queries = IncidentQueries(db, data_dir)
        # The duty room's verification; the composition root sets `review.staffing` (roster, desk watch).
        self.review = ReviewDesk(
            db, self.writes, self.escalator, self.settings.review.policy(), clock, self.zone, self.nudge
        )
        self.intake = Intake(self.writes, self.escalator, clock, self.nudge, self.review)
        self.acks = Acknowledgements(db, self.writes, self.escalator, self.signer, clock, self.queries)
        self.replies = Replies(
            self.settings, self.writes, self.escalator, self.outbox, self.signer, clock, self.zone,
            base_url=self.base_url,
            # Parsers for provider callbacks; the runner builds its own instances for sending.
            callback_channels={c.id: create_notifier(c, self.channel_context) for c in self.settings.channels},
        )
        if not self.settings.public_url and any(c.kind != "console" for c in self.settings.channels):
            log.warning("alerts.public_url is not set: acknowledge links point to %s, which phones may not reach",
                        self.base_url)

    def set_wake(self, hook: Callable[[], None] | None) -> None:
        """The runner's hook: called (from any thread) when new messages are waiting."""
        self._wake = hook

    def nudge(self, messages: int) -> None:
        if messages and self._wake is not None:
            self._wake()

    def build_notifiers(self) -> dict[str, Notifier]:
        return {c.id: create_notifier(c, self.channel_context) for c in self.settings.channels if c.enabled}

    # -- observations ------------------------------------------------------------------------------
    def report(self, observation: Observation) -> None:
        self.intake.report(observation)

    def record(self, obs: Observation) -> ReportOutcome:
        return self.intake.record(obs)

    # -- people acting -----------------------------------------------------------------------------
    def acknowledge(self, incident_id: int, actor: str, via: str = "dashboard") -> IncidentView:
        return self.acks.acknowledge(incident_id, actor, via)

    def resolve(self, incident_id: int, actor: str, note: str = "") -> IncidentView:
        return self.acks.resolve(incident_id, actor, note)

    def ack_page(self, token: str, *, acknowledge: bool = False) -> AckPage:
        return self.acks.ack_page(token, acknowledge=acknowledge)

    def link_snapshot(self, token: str, incident_id: int) -> Path:
        return self.acks.link_snapshot(token, incident_id)

    def link_clip(self, token: str, incident_id: int) -> Path:
        return self.acks.link_clip(token, incident_id)

    # -- replies, receipts, callbacks --------------------------------------------------------------
    def handle_reply(self, reply: InboundReply) -> ReplyOutcome:
        return self.replies.handle_reply(reply)

    def handle_receipt(self, channel_id: str, receipt: DeliveryReceipt) -> bool:
        return self.replies.handle_receipt(channel_id, receipt)

    def handle_inbound(self, channel_id: str, inbound: Inbound) -> None:
        self.replies.handle_inbound(channel_id, inbound)

    def handle_callback(self, channel_id: str, token: str, request: CallbackRequest) -> CallbackResult:
        return self.replies.handle_callback(channel_id, token, request)

    def channels(self) -> list[ChannelView]:
        return self.replies.channels()

    # -- queries -----------------------------------------------------------------------------------
    def search(
        self, *, statuses: Sequence[str] | None = None, site_id: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[IncidentView]:
        return self.queries.search(statuses=statuses, site_id=site_id, limit=limit, offset=offset)

    def get(self, incident_id: int) -> IncidentDetail:
        return self.queries.get(incident_id)

    def notifications(
        self, *, statuses: Sequence[str] | None = None, limit: int = 100, offset: int = 0
    ) -> list[NotificationView]:
        return self.queries.notifications(statuses=statuses, limit=limit, offset=offset)

    def outbox_counts(self) -> dict[str, int]:
        return self.queries.outbox_counts()

    def snapshot_file(self, incident_id: int) -> Path:
        return self.queries.snapshot_file(incident_id)
