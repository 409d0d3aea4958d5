"""What to do with a message after a provider answered (or did not). Pure: state, answer and `now`
in, one decision out; `outbox.py` applies it.

- sent → done (a receipt may still follow);
- retry (throttled, 5xx, no connection) → again after a doubling backoff, or the provider's
  Retry-After; when the channel has been failing longer than its `failover_after`, the next channel;
- failed (bad number, template, credentials) → the next channel at once, or failed on the last;
- unknown (timeout after sending, crash mid-send) → never re-sent blindly: ask the provider later
  (`query`); "not sent" makes a re-send safe, "sent" settles it; when it cannot tell for
  `unknown_give_up`, the next channel, or on the last channel a re-send (a duplicate beats silence).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from watchd.alerts.notifiers.base import Outcome, SendResult


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    retry_base: timedelta
    retry_max: timedelta
    query_after: timedelta
    unknown_give_up: timedelta
    give_up: timedelta


@dataclass(frozen=True, slots=True)
class DeliveryState:
    created_at: datetime
    has_next_channel: bool
    channel_started_at: datetime
    channel_attempts: int  # sends on the current channel, including the one just made
    failover_after: timedelta  # of the current channel
    unknown_since: datetime | None = None
    queries: int = 0  # queries since the outcome became unknown, including the one just made


@dataclass(frozen=True, slots=True)
class Sent:
    provider_id: str | None


@dataclass(frozen=True, slots=True)
class RetryAt:
    at: datetime
    resend_after_unknown: bool = False


@dataclass(frozen=True, slots=True)
class AskAt:
    at: datetime


@dataclass(frozen=True, slots=True)
class Failover:
    pass


@dataclass(frozen=True, slots=True)
class GiveUp:
    reason: str


DeliveryDecision = Sent | RetryAt | AskAt | Failover | GiveUp


def backoff(base: timedelta, cap: timedelta, attempt: int) -> timedelta:
    factor: int = 2 ** max(0, attempt - 1)
    return min(cap, base * factor)


def _fail(state: DeliveryState, reason: str) -> DeliveryDecision:
    return Failover() if state.has_next_channel else GiveUp(reason)


def after_send(state: DeliveryState, result: SendResult, now: datetime, policy: DeliveryPolicy) -> DeliveryDecision:
    match result.outcome:
        case Outcome.sent:
            return Sent(result.provider_id)
        case Outcome.failed:
            return _fail(state, "refused by the last channel")
        case Outcome.unknown:
            return AskAt(now + policy.query_after)
        case Outcome.retry:
            if state.has_next_channel and now - state.channel_started_at >= state.failover_after:
                return Failover()
            if now - state.created_at >= policy.give_up:
                return GiveUp("still not sent when giving up")
            wait = backoff(policy.retry_base, policy.retry_max, state.channel_attempts)
            if result.retry_after_s is not None:
                wait = min(policy.retry_max, max(wait, timedelta(seconds=result.retry_after_s)))
            return RetryAt(now + wait)


def after_query(
    state: DeliveryState, result: SendResult | None, now: datetime, policy: DeliveryPolicy
) -> DeliveryDecision:
    if result is not None and result.outcome == Outcome.sent:
        return Sent(result.provider_id)
    if result is not None and result.outcome == Outcome.failed:
        return _fail(state, "the provider reports it failed")
    if result is not None and result.outcome == Outcome.retry:
        return RetryAt(now)  # the provider never got it: sending again is safe
    since = state.unknown_since or now
    if now - since >= policy.unknown_give_up:
        return Failover() if state.has_next_channel else RetryAt(now, resend_after_unknown=True)
    return AskAt(now + backoff(policy.query_after, policy.retry_max, state.queries + 1))
