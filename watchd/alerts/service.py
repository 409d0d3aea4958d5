"""The alert service: observations in, incidents and outbox messages out; acknowledgement by
dashboard, link or SMS reply; delivery receipts. Every change is one unit of work, and every message
is written in the same transaction as the incident change that caused it.

Producers call `report(observation)` (the `ObservationSink`); the modem channel and providers' pull
APIs call `handle_reply` and `handle_receipt`; `AlertRunner` calls `tick` and the outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from watchd.alerts.compose import Composer
from watchd.alerts.escalator import Escalator
from watchd.alerts.links import BadToken, Signer
from watchd.alerts.notifiers.base import (
    CallbackHandler,
    CallbackRejected,
    CallbackRequest,
    CallbackResult,
    ChannelContext,
    DeliveryReceipt,
    Inbound,
    InboundReply,
    Notifier,
)
from watchd.alerts.notifiers.console import mask_address
from watchd.alerts.notifiers.registry import create_notifier
from watchd.alerts.oncall import ConfiguredOnCall, OnCallDirectory
from watchd.alerts.outbox import Outbox
from watchd.alerts.secret_key import load_secret_key
from watchd.alerts.views import (
    AckPage,
    ChannelView,
    IncidentDetail,
    IncidentView,
    NotificationView,
    ReplyOutcome,
    ReportOutcome,
    event_view,
    incident_view,
    notification_view,
)
from watchd.alerts.write_turns import WriteTurns
from watchd.db.models import InboundReplyRecord, Incident, ObservationRecord
from watchd.db.repositories.alerts import AlertsRepository
from watchd.db.repositories.sites import SitesRepository
from watchd.db.session import Database
from watchd.domain.incidents import (
    ActiveIncident,
    Ignore,
    IncidentStatus,
    Open,
    Repeat,
    Resolve,
    incident_code,
    incident_id_from_code,
    normalize_phone,
    on_observation,
    parse_reply,
    quiet_resolve_due,
)
from watchd.domain.observations import Observation, Severity
from watchd.errors import Invalid, NotFound, Unauthorized
from watchd.settings.root import Settings

log = logging.getLogger(__name__)
LEASE = "alerts"
REPLY_WINDOW = timedelta(hours=24)  # a bare "1" acknowledges what this phone was told in the last day
STEP_BATCH = 200
PURGE_EVERY = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class TickReport:
    steps: int
    quiet_resolved: int


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
        self.data_dir = data_dir
        self.clock = clock
        self.zone = settings.zone
        self.signer = Signer(load_secret_key(data_dir))
        self.base_url = base_url(settings)
        self.composer = Composer(
            township=settings.township, zone=self.zone, signer=self.signer, base_url=self.base_url,
            link_ttl_hours=self.settings.link_ttl_hours,
        )
        self.escalator = Escalator(self.settings, self.composer, oncall or ConfiguredOnCall(db, self.settings.on_call))
        self.writes = WriteTurns(db)
        self.outbox = Outbox(self.writes, self.settings, self.composer)
        self.channel_context = ChannelContext(data_dir=data_dir)
        # Parsers for provider callbacks; the runner builds its own instances for sending.
        self._callback_channels = {c.id: create_notifier(c, self.channel_context) for c in self.settings.channels}
        self._wake: Callable[[], None] | None = None
        self._last_purge: datetime | None = None
        if not self.settings.public_url and any(c.kind != "console" for c in self.settings.channels):
            log.warning("alerts.public_url is not set: acknowledge links point to %s, which phones may not reach",
                        self.base_url)

    def set_wake(self, hook: Callable[[], None] | None) -> None:
        """The runner's hook: called (from any thread) when new messages are waiting."""
        self._wake = hook

    def _nudge(self, messages: int) -> None:
        if messages and self._wake is not None:
            self._wake()

    def build_notifiers(self) -> dict[str, Notifier]:
        return {c.id: create_notifier(c, self.channel_context) for c in self.settings.channels if c.enabled}

    # -- observations -----------------------------------------------------------------------------
    def report(self, observation: Observation) -> None:
        """ObservationSink. Idempotent (a replay is a no-op). Raises when the observation is invalid
        or the database is unreachable, so the producer can keep it and report it again."""
        try:
            self.record(observation)
        except Exception as exc:
            log.error("observation %s not recorded: %s", observation.key, exc)
            raise

    def record(self, obs: Observation) -> ReportOutcome:
        if obs.occurred_at.tzinfo is None:
            raise Invalid("naive_time", f"observation {obs.key}: occurred_at has no time zone")
        for attempt in range(3):
            try:
                outcome = self._record(obs)
            except IntegrityError:
                if attempt == 2:
                    raise
                continue  # a concurrent writer opened the same key: decide again against its incident
            self._nudge(outcome.messages)
            return outcome
        raise AssertionError("unreachable")

    def _record(self, obs: Observation) -> ReportOutcome:
        now = self.clock()
        with self.writes.unit() as repo:
            seen = ObservationRecord(key=obs.key, occurred_at=obs.occurred_at, active=obs.active, received_at=now)
            if not repo.insert_observation(seen):
                return ReportOutcome("duplicate", None)
            current = repo.active_by_key(obs.key)
            state = None if current is None else ActiveIncident(
                status=IncidentStatus(current.status), severity=Severity(current.severity),
                opened_at=current.opened_at, last_seen_at=current.last_seen_at,
            )
            messages, incident_id = 0, None
            match on_observation(state, obs, self.escalator.rule(obs.kind.value), now):
                case Open() as decision:
                    row, messages = self.escalator.open(repo, obs, decision, now)
                    if row is None:
                        raise IntegrityError("incident opened concurrently", None, ValueError(obs.key))
                    seen.incident_id = incident_id = row.id
                    status = "opened"
                case Repeat(upgrade_to_major=upgrade):
                    assert current is not None
                    messages = self.escalator.repeat(repo, current, obs, upgrade, now)
                    seen.incident_id = incident_id = current.id
                    status = "repeat"
                case Resolve():
                    assert current is not None
                    self.escalator.resolve(repo, current, "system", f"cleared: {obs.kind.value}", now)
                    seen.incident_id = incident_id = current.id
                    status = "resolved"
                case Ignore(reason=reason):
                    log.debug("observation %s ignored: %s", obs.key, reason)
                    status = "ignored"
        return ReportOutcome(status, incident_id, messages)

    # -- people acting ----------------------------------------------------------------------------
    def acknowledge(self, incident_id: int, actor: str, via: str = "dashboard") -> IncidentView:
        with self.writes.unit() as repo:
            row = self._incident(repo, incident_id, lock=True)
            self.escalator.acknowledge(repo, row, actor, via, self.clock())
        return self.get(incident_id).incident

    def resolve(self, incident_id: int, actor: str, note: str = "") -> IncidentView:
        with self.writes.unit() as repo:
            row = self._incident(repo, incident_id, lock=True)
            self.escalator.resolve(repo, row, actor, note or "resolved by hand", self.clock())
        return self.get(incident_id).incident

    @contextmanager
    def _reading(self) -> Iterator[AlertsRepository]:
        with self.db.read() as s:
            yield AlertsRepository(s)

    def _incident(self, repo: AlertsRepository, incident_id: int, *, lock: bool = False) -> Incident:
        row = repo.incident(incident_id, lock=lock)
        if row is None:
            raise NotFound("incident_not_found", f"no incident {incident_id}")
        return row

    # -- acknowledge link -------------------------------------------------------------------------
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
            names = self._site_names(repo)
            views = [incident_view(r, names.get(r.site_id, r.site_id)) for r in repo.incidents(ids)]
        if acked:
            log.info("incidents %s acknowledged by %s through a link", ",".join(acked), who)
        return AckPage(
            recipient_name=who, incidents=views, expires_at=claim.expires_at,
            acknowledged_now=[v.code for v in views if str(v.id) in acked],
        )

    def link_snapshot(self, token: str, incident_id: int) -> Path:
        page = self.ack_page(token)
        if incident_id not in {v.id for v in page.incidents}:
            raise NotFound("snapshot_not_found", "no such incident behind this link")
        return self._snapshot(incident_id)

    # -- replies, receipts, callbacks -------------------------------------------------------------
    def handle_reply(self, reply: InboundReply) -> ReplyOutcome:
        """An SMS reply (modem inbox, provider uplink): '1' acknowledges every open incident this phone
        was told about in the last day; a quoted incident code acknowledges that one. Idempotent."""
        now = self.clock()
        received = _parse_time(reply.received_at, self.zone) or now
        sender = normalize_phone(reply.sender)
        text = reply.text.strip()[:500]
        intent = parse_reply(text)
        with self.writes.unit() as repo:
            record = InboundReplyRecord(sender=sender, text=text, received_at=received, recorded_at=now, result="")
            if not repo.insert_reply(record):
                return ReplyOutcome(understood=intent.understood, acknowledged=[], duplicate=True)
            told = repo.incidents_notified_to(sender, now - REPLY_WINDOW, [IncidentStatus.open.value])
            if intent.codes:
                wanted = {incident_id_from_code(c) for c in intent.codes}
                targets = [i for i in told if i.id in wanted]
            else:
                targets = list(told) if intent.ack_all else []
            who = repo.recipient_name(sender) or sender
            acked: list[int] = []
            for row in targets:
                locked = repo.incident(row.id, lock=True)
                if locked is not None and self.escalator.acknowledge(repo, locked, who, "sms reply", now):
                    acked.append(locked.id)
            codes = [incident_code(i) for i in acked]
            record.result = (
                f"acknowledged {','.join(codes)}" if codes
                else "not understood" if not intent.understood else "nothing open to acknowledge"
            )
        log.info("reply from %s: %s", mask_address(sender), record.result)
        return ReplyOutcome(understood=intent.understood, acknowledged=codes)

    def handle_receipt(self, channel_id: str, receipt: DeliveryReceipt) -> bool:
        matched = self.outbox.apply_receipt(channel_id, receipt, self.clock())
        if not matched:
            log.info("receipt from %s for unknown message %s/%s", channel_id, receipt.message_id, receipt.provider_id)
        return matched

    def handle_inbound(self, channel_id: str, inbound: Inbound) -> None:
        for receipt in inbound.receipts:
            self.handle_receipt(channel_id, receipt)
        for reply in inbound.replies:
            self.handle_reply(reply)

    def handle_callback(self, channel_id: str, token: str, request: CallbackRequest) -> CallbackResult:
        channel = self._callback_channels.get(channel_id)
        if channel is None or not self.signer.check_callback_token(channel_id, token):
            raise NotFound("channel_not_found", f"no callback endpoint for channel {channel_id!r}")
        if not isinstance(channel, CallbackHandler):
            raise NotFound("channel_not_found", f"channel {channel_id!r} takes no callbacks")
        try:
            result = channel.handle_callback(request)
        except CallbackRejected as exc:
            log.warning("callback for channel %s refused: %s", channel_id, exc)
            raise Invalid("callback_rejected", str(exc)) from None
        self.handle_inbound(channel_id, result.inbound)
        return result

    def channels(self) -> list[ChannelView]:
        return [
            ChannelView(
                id=c.id, kind=c.kind, audience=c.audience, enabled=c.enabled,
                callback_url=f"{self.base_url}/api/alerts/callbacks/{c.id}/{self.signer.callback_token(c.id)}",
            )
            for c in self.settings.channels
        ]

    # -- the periodic tick ------------------------------------------------------------------------
    def hold_lease(self, owner: str, now: datetime) -> bool:
        """Renew (or take over) the runner lease; after taking it over, recover messages in flight."""
        until = now + timedelta(seconds=self.settings.delivery.lease_seconds)
        with self.writes.unit() as repo:
            held, taken_over = repo.take_lease(LEASE, owner, now, until)
        if taken_over:
            log.info("this process now runs escalation and delivery (%s)", owner)
            self.outbox.recover(now)
        return held

    def release_lease(self, owner: str) -> None:
        with self.writes.unit() as repo:
            repo.release_lease(LEASE, owner)

    def tick(self) -> TickReport:
        """Run due escalation steps (one per incident), resolve quiet acknowledged incidents, purge."""
        now = self.clock()
        with self.db.read() as s:
            due = AlertsRepository(s).due_incident_ids(now, STEP_BATCH)
        steps = messages = 0
        for incident_id in due:
            with self.writes.unit() as repo:
                row = repo.incident(incident_id, lock=True)
                if row is not None:
                    written = self.escalator.run_due_step(repo, row, now)
                    steps, messages = steps + 1, messages + written
        quiet = self._resolve_quiet(now)
        if self._last_purge is None or now - self._last_purge >= PURGE_EVERY:
            self._last_purge = now
            with self.writes.unit() as repo:
                purged = repo.purge(
                    now - timedelta(days=self.settings.keep_days),
                    now - timedelta(days=self.settings.keep_observations_days),
                )
            if purged:
                log.info("purged %d resolved incidents older than %d days", purged, self.settings.keep_days)
        self._nudge(messages)
        return TickReport(steps=steps, quiet_resolved=quiet)

    def _resolve_quiet(self, now: datetime) -> int:
        with self.db.read() as s:
            due = [
                row.id for row in AlertsRepository(s).acknowledged_incidents()
                if quiet_resolve_due(IncidentStatus(row.status), row.last_seen_at, self.escalator.rule(row.kind), now)
            ]
        resolved = 0
        for incident_id in due:
            with self.writes.unit() as repo:
                row = repo.incident(incident_id, lock=True)
                if row is None or not quiet_resolve_due(
                    IncidentStatus(row.status), row.last_seen_at, self.escalator.rule(row.kind), now
                ):
                    continue
                self.escalator.resolve(repo, row, "system", "quiet after acknowledgement", now)
                resolved += 1
        return resolved

    # -- queries ----------------------------------------------------------------------------------
    def _site_names(self, repo: AlertsRepository) -> dict[str, str]:
        return {site.id: site.name for site in SitesRepository(repo.session).list_sites()}

    def search(
        self, *, statuses: Sequence[str] | None = None, site_id: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[IncidentView]:
        with self.db.read() as s:
            repo = AlertsRepository(s)
            names = self._site_names(repo)
            rows = repo.search_incidents(statuses=statuses, site_id=site_id, limit=limit, offset=offset)
            return [incident_view(r, names.get(r.site_id, r.site_id)) for r in rows]

    def get(self, incident_id: int) -> IncidentDetail:
        with self.db.read() as s:
            repo = AlertsRepository(s)
            row = self._incident(repo, incident_id)
            names = self._site_names(repo)
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
        return self._snapshot(incident_id)

    def _snapshot(self, incident_id: int) -> Path:
        with self.db.read() as s:
            row = self._incident(AlertsRepository(s), incident_id)
            rel = row.snapshot_path
        root = self.data_dir.resolve()
        path = (root / rel).resolve() if rel else None
        if path is None or not path.is_relative_to(root) or not path.is_file():
            raise NotFound("snapshot_not_found", f"incident {incident_id} has no snapshot")
        return path


def _parse_time(raw: str, zone: ZoneInfo) -> datetime | None:
    """ISO 8601; a time without an offset is the township's local time (as phones and modems give it)."""
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)
