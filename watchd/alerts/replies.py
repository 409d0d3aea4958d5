"""What comes back from the channels: SMS replies (a bare '1' acknowledges what this phone was told in
the last day, a quoted incident code that incident), delivery receipts, and provider callbacks, whose
per-channel URLs carry a signed token. Idempotent: a reply seen twice is recorded once."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from watchd.alerts.escalator import Escalator
from watchd.alerts.links import Signer
from watchd.alerts.notifiers.base import (
    CallbackHandler,
    CallbackRejected,
    CallbackRequest,
    CallbackResult,
    DeliveryReceipt,
    Inbound,
    InboundReply,
    KeyPress,
    Notifier,
)
from watchd.alerts.notifiers.console import mask_address
from watchd.alerts.outbox import Outbox
from watchd.alerts.views import ChannelView, ReplyOutcome
from watchd.alerts.write_turns import WriteTurns
from watchd.db.models import InboundReplyRecord
from watchd.db.repositories.inbound_replies import InboundRepliesRepository
from watchd.domain.incidents import (
    IncidentStatus,
    incident_code,
    incident_id_from_code,
    normalize_phone,
    parse_reply,
)
from watchd.errors import Invalid, NotFound
from watchd.settings.alerts import AlertSettings

log = logging.getLogger(__name__)
REPLY_WINDOW = timedelta(hours=24)  # a bare "1" acknowledges what this phone was told in the last day


class ReplyClaimer(Protocol):
    """Takes replies that answer something other than an incident (a spot check's code) before the
    incident rules see them. Idempotent: the same reply twice gives the same result."""

    def claim_reply(self, sender: str, text: str, received_at: datetime) -> str | None:
        """What the reply did (recorded with it), or None when it is not for this claimer."""
        ...


class Replies:
    def __init__(
        self, settings: AlertSettings, writes: WriteTurns, escalator: Escalator, outbox: Outbox, signer: Signer,
        clock: Callable[[], datetime], zone: ZoneInfo, *, base_url: str, callback_channels: Mapping[str, Notifier],
    ) -> None:
        self.settings = settings
        self.writes = writes
        self.escalator = escalator
        self.outbox = outbox
        self.signer = signer
        self.clock = clock
        self.zone = zone
        self.base_url = base_url
        self.callback_channels = callback_channels
        self.claimer: ReplyClaimer | None = None  # the spot checks, set by the composition root

    def handle_reply(self, reply: InboundReply) -> ReplyOutcome:
        """An SMS reply (modem inbox, provider uplink): '1' acknowledges every open incident this phone
        was told about in the last day; a quoted incident code acknowledges that one. Idempotent."""
        now = self.clock()
        received = _parse_time(reply.received_at, self.zone) or now
        sender = normalize_phone(reply.sender)
        text = reply.text.strip()[:500]
        intent = parse_reply(text)
        claimed = self.claimer.claim_reply(sender, text, min(received, now)) if self.claimer is not None else None
        if claimed is not None:
            with self.writes.unit() as repo:
                record = InboundReplyRecord(
                    sender=sender, text=text, received_at=received, recorded_at=now, result=claimed[:200]
                )
                duplicate = not InboundRepliesRepository(repo.session).insert(record)
            log.info("reply from %s: %s", mask_address(sender), claimed)
            return ReplyOutcome(understood=True, acknowledged=[], duplicate=duplicate)
        with self.writes.unit() as repo:
            record = InboundReplyRecord(sender=sender, text=text, received_at=received, recorded_at=now, result="")
            if not InboundRepliesRepository(repo.session).insert(record):
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
        for press in inbound.key_presses:
            self.handle_key_press(channel_id, press)

    def handle_key_press(self, channel_id: str, press: KeyPress) -> list[str]:
        """A key pressed during a call: the acknowledge key (1) acknowledges the call's incident, in the
        name of the person called. Idempotent (an acknowledged incident stays so)."""
        now = self.clock()
        with self.writes.unit() as repo:
            n = None
            if press.message_id:
                n = repo.notification_by_message_id(press.message_id) or repo.notification_by_short_id(press.message_id)
            if n is None and press.provider_id:
                n = repo.notification_by_provider_id(channel_id, press.provider_id)
            if n is None:
                log.info("key press on %s for an unknown call %s/%s", channel_id, press.message_id, press.provider_id)
                return []
            acked: list[str] = []
            for incident_id in repo.incident_ids_of([n.id])[n.id]:
                locked = repo.incident(incident_id, lock=True)
                if locked is None:
                    continue
                if not press.acknowledges:
                    repo.add_event(locked.id, now, "key_pressed", actor=n.recipient_name, detail=f"key {press.key}")
                elif self.escalator.acknowledge(repo, locked, n.recipient_name, f"voice call key {press.key}", now):
                    acked.append(incident_code(locked.id))
        log.info("key %s pressed on a call of %s: acknowledged %s", press.key, channel_id, ",".join(acked) or "nothing")
        return acked

    def handle_callback(self, channel_id: str, token: str, request: CallbackRequest) -> CallbackResult:
        channel = self.callback_channels.get(channel_id)
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
        """The channels with the callback URL each gives its provider."""
        return [
            ChannelView(
                id=c.id, kind=c.kind, audience=c.audience, enabled=c.enabled,
                callback_url=f"{self.base_url}/api/alerts/callbacks/{c.id}/{self.signer.callback_token(c.id)}",
            )
            for c in self.settings.channels
        ]


def _parse_time(raw: str, zone: ZoneInfo) -> datetime | None:
    """ISO 8601; a time without an offset is the township's local time (as phones and modems give it)."""
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)
