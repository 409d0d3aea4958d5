"""Incident rules: what an observation does to the incident with the same key, when an acknowledged
incident resolves by itself, and what an SMS reply means. Pure: `now` comes in, no I/O.

Lifecycle: open → acknowledged → resolved. At most one unresolved incident per dedup key; repeats
while it is unresolved are counted on it and notify nobody; a clearing observation (`active=False`)
resolves it; after that, the same key opens a new incident.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from watchd.domain.observations import Observation, Severity


class IncidentStatus(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    resolved = "resolved"


@dataclass(frozen=True, slots=True)
class KindPolicy:
    """The per-kind rule as the domain needs it (from `alerts.kinds` in the config)."""

    severity: Severity = Severity.normal  # the kind's severity
    site_severity: Mapping[str, Severity] = field(default_factory=dict)  # site id -> severity there
    notify: bool = True
    delay: timedelta = timedelta(0)
    resolve_quiet: timedelta | None = None
    resolve_on_clear: bool = True  # False: the end of the condition (motion stopped) settles nothing


@dataclass(frozen=True, slots=True)
class ActiveIncident:
    """What the rules need to know about the unresolved incident with the observation's key."""

    status: IncidentStatus
    severity: Severity
    opened_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True, slots=True)
class Open:
    severity: Severity
    notify: bool
    first_step_at: datetime | None  # None: record only, notify nobody


@dataclass(frozen=True, slots=True)
class Repeat:
    last_seen_at: datetime
    upgrade_to_major: bool  # the repeat is major, the incident was normal


@dataclass(frozen=True, slots=True)
class Resolve:
    pass


@dataclass(frozen=True, slots=True)
class Ignore:
    reason: str


Decision = Open | Repeat | Resolve | Ignore


def severity_of(obs: Observation, rule: KindPolicy) -> Severity:
    """The most specific severity known: the producer's (a camera zone's), the site's, the kind's."""
    return obs.severity or rule.site_severity.get(obs.site_id) or rule.severity


def on_observation(current: ActiveIncident | None, obs: Observation, rule: KindPolicy, now: datetime) -> Decision:
    """What one observation does, given the unresolved incident with its key (if any)."""
    if not obs.active:
        if current is None:
            return Ignore("clear without an open incident")
        if not rule.resolve_on_clear:
            return Ignore("this kind waits for a person (or quiet after acknowledgement)")
        if obs.occurred_at < current.last_seen_at:
            return Ignore("clear older than the last occurrence")
        return Resolve()
    if current is None:
        # The grace period runs from when it happened (a late report does not add to it).
        first = max(min(obs.occurred_at, now) + rule.delay, now) if rule.notify else None
        return Open(severity=severity_of(obs, rule), notify=rule.notify, first_step_at=first)
    upgrade = severity_of(obs, rule) == Severity.major and current.severity == Severity.normal
    return Repeat(last_seen_at=max(current.last_seen_at, obs.occurred_at), upgrade_to_major=upgrade)


def quiet_resolve_due(status: IncidentStatus, last_seen_at: datetime, rule: KindPolicy, now: datetime) -> bool:
    """An acknowledged incident nobody observed again for `resolve_quiet` is over. Unacknowledged
    incidents never resolve by silence: someone has to take responsibility first."""
    return (
        status == IncidentStatus.acknowledged
        and rule.resolve_quiet is not None
        and now - last_seen_at >= rule.resolve_quiet
    )


# -- SMS replies ----------------------------------------------------------------------------------

ACK_WORDS = frozenset({"1", "确认", "收到", "好", "好的", "ok", "OK", "Ok", "y", "Y", "是"})
CODE_RE = re.compile(r"(?<!\d)(\d{4,8})(?!\d)")
CODE_OFFSET = 1000


@dataclass(frozen=True, slots=True)
class ReplyIntent:
    ack_all: bool  # "1" or a word meaning yes: every open incident this phone was told about
    codes: tuple[str, ...]  # incident codes quoted in the reply

    @property
    def understood(self) -> bool:
        return self.ack_all or bool(self.codes)


def incident_code(incident_id: int) -> str:
    """Short code quoted in messages and accepted in replies; never "1"."""
    return str(incident_id + CODE_OFFSET)


def incident_id_from_code(code: str) -> int | None:
    value = int(code) - CODE_OFFSET if code.isdigit() else -1
    return value if value > 0 else None


def parse_reply(text: str) -> ReplyIntent:
    """'1', '确认', '收到' → acknowledge all; '1003', '确认1003', '1 1003' → acknowledge incident 1003."""
    cleaned = text.strip().strip("。.!！ ")
    codes = tuple(dict.fromkeys(CODE_RE.findall(cleaned)))
    if codes:
        return ReplyIntent(ack_all=False, codes=codes)
    return ReplyIntent(ack_all=cleaned in ACK_WORDS, codes=())


def normalize_phone(raw: str) -> str:
    """Digits only, without the China country code: '+86 138-0000-0003' → '13800000003'."""
    digits = "".join(ch for ch in raw if ch.isdigit())
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            return digits[len(prefix):]
    return digits
