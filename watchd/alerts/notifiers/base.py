"""The contract between the outbox sender and a notification channel (SMS provider, modem, robot, ...).

A channel sends one message and says what happened. It never retries by itself: the sender
decides, using the outcome. `unknown` means the request may have reached the provider (a timeout
after sending): the sender must not re-send blindly but ask `query` (or wait for a receipt).

A channel module holds its config model (a `ChannelConfigBase` subclass with a `kind` literal) and
its notifier class; `registry.py` maps kinds to both. Constructors do no I/O and bind nothing to an
event loop: open network clients lazily inside `send`/`query` and release them in `close`. Secrets
come from `devices.secrets.read_secret` (environment or systemd credentials), never from the config file.

Optional abilities, detected with isinstance on the runtime-checkable protocols below:
- `CallbackHandler`: parses the provider's HTTP push (delivery reports, SMS replies) that arrives at
  `/api/alerts/callbacks/{channel_id}/{token}`; returns what to answer the provider.
- `InboundPoller`: pulls receipts and replies (a modem's inbox, a provider's pull API) on every tick.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, ClassVar, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field


class Outcome(StrEnum):
    sent = "sent"  # accepted by the provider; `provider_id` set when it gives one
    retry = "retry"  # not sent; safe to try again later (throttled, 5xx before acceptance, connection refused)
    failed = "failed"  # not sent and never will be on this channel (bad number, bad template, auth): fail over
    unknown = "unknown"  # may or may not have been sent (timeout after the request went out)


@dataclass(frozen=True, slots=True, kw_only=True)
class OutgoingMessage:
    message_id: str  # our own id; carried to the provider (Aliyun OutId, Tencent SessionContext, ...)
    recipient: str  # E.164-ish phone number, or a channel-specific address
    text: str  # the full Simplified Chinese text
    template_params: Mapping[str, str] = field(default_factory=dict)  # for template SMS
    incident_code: str = ""  # short code a reply can quote to acknowledge
    call: bool = False  # a voice call (the chain holds channels that place calls), not a text


@dataclass(frozen=True, slots=True, kw_only=True)
class SendResult:
    outcome: Outcome
    provider_id: str | None = None
    detail: str = ""  # provider code and message, for the attempt log (no secrets)
    retry_after_s: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class InboundReply:
    """An SMS reply (modem or provider uplink) that may acknowledge an incident."""

    sender: str
    text: str
    received_at: str  # ISO 8601


class Notifier(Protocol):
    kind: ClassVar[str]

    async def send(self, message: OutgoingMessage) -> SendResult: ...

    async def query(self, message: OutgoingMessage, provider_id: str | None) -> SendResult | None:
        """After `unknown`: ask the provider whether the message went out. None: cannot tell (yet)."""
        ...

    async def close(self) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryReceipt:
    """A delivery report: the provider says whether the handset got the message."""

    message_id: str | None = None  # our id, when the provider echoes it (Aliyun out_id, Tencent SessionContext)
    provider_id: str | None = None  # the provider's id (BizId, SerialNo, Sid), when our id is not echoed
    delivered: bool
    detail: str = ""  # provider status code and text


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyPress:
    """A key pressed during a voice call (Aliyun IVR dtmf, Tencent voicekey_callback)."""

    message_id: str | None = None  # our id, when the provider echoes it (Aliyun out_id)
    provider_id: str | None = None  # the provider's call id
    key: str
    acknowledges: bool  # the channel's acknowledge key (1)


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackRequest:
    """A provider's HTTP push, as received."""

    body: bytes
    headers: Mapping[str, str]  # lower-case names
    query: Mapping[str, str]
    url: str  # the full URL the provider called (some providers sign it)


@dataclass(frozen=True, slots=True, kw_only=True)
class Inbound:
    """What a callback or a poll brought in."""

    receipts: Sequence[DeliveryReceipt] = ()
    replies: Sequence[InboundReply] = ()
    key_presses: Sequence[KeyPress] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackResult:
    """The parsed push plus the answer the provider expects (e.g. Aliyun `{"code":0,"msg":"接收成功"}`)."""

    inbound: Inbound
    status_code: int = 200
    body: bytes = b'{"ok":true}'
    content_type: str = "application/json"


class CallbackRejected(Exception):
    """The push is malformed or its signature is wrong; answered with HTTP 400 and logged."""


@runtime_checkable
class CallbackHandler(Protocol):
    def handle_callback(self, request: CallbackRequest) -> CallbackResult:
        """Parse a push; pure (no I/O). Raise CallbackRejected for a bad one."""
        ...


@runtime_checkable
class InboundPoller(Protocol):
    async def poll(self) -> Inbound:
        """Fetch new receipts and replies since the last poll (each returned once if possible)."""
        ...


class ChannelConfigBase(BaseModel):
    """Fields every entry of `[[alerts.channels]]` has. Strict like every config section (this module
    imports nothing from `watchd.settings`, which imports the channel modules)."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, str_strip_whitespace=True)

    id: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", title="Channel id",
        description="Stable name used in logs, attempts and callback URLs: letters, digits, '_', '.', '-'.",
    )
    audience: Literal["person", "group"] = Field(
        "person", title="Audience",
        description="person: part of the failover chain that reaches the on-call leader (channels are tried in "
        "the order listed). group: every new incident is also posted here once (a duty group robot).",
    )
    enabled: bool = Field(True, title="Enabled", description="Disabled channels are kept in the file but not used.")
    timeout_seconds: float = Field(
        10.0, gt=0, le=120, title="Request timeout",
        description="Seconds to wait for the provider's answer; no answer after sending means outcome unknown.",
    )
    failover_after_seconds: float = Field(
        300.0, ge=0, le=86_400, title="Fail over after",
        description="While the provider keeps answering 'try again later', keep retrying this long, then move "
        "the message to the next channel.",
    )

    def sends_texts(self) -> bool:
        """Takes part in the text chain (SMS, robots, ...)."""
        return True

    def places_calls(self) -> bool:
        """Takes part in the call chain (voice channels, a modem that rings)."""
        return False


class CallChannelConfigBase(ChannelConfigBase):
    """A voice channel: places calls, sends no texts."""

    def sends_texts(self) -> bool:
        return False

    def places_calls(self) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class ChannelContext:
    """What a channel may need from the daemon at construction."""

    data_dir: Path


SecretName = Annotated[
    str,
    Field(pattern=r"^[A-Z][A-Z0-9_]{1,63}$", description="Name of an environment variable (or systemd credential)."),
]


def utc_now() -> datetime:
    """The notifiers' default clock (tests pass their own)."""
    return datetime.now(UTC)
