"""The outbox: claiming due messages (with per-recipient flood control), recording what providers
answered, delivery receipts, and recovery after a crash. Each call is one unit of work.

A claimed message is `sending` with an open attempt row before any request goes out. If the
process dies mid-request, the next runner finds it `sending`, marks it `unknown` and asks the
provider before anything is sent again: a message is never re-sent blindly.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from watchd.alerts.compose import Composer, Recipient
from watchd.alerts.delivery import (
    AskAt,
    DeliveryDecision,
    DeliveryPolicy,
    DeliveryState,
    Failover,
    GiveUp,
    RetryAt,
    Sent,
    after_query,
    after_send,
)
from watchd.alerts.notifiers.base import DeliveryReceipt, OutgoingMessage, SendResult
from watchd.alerts.texts import alert_text, digest_text, template_params
from watchd.alerts.throttle import Window, capacity, lookback, next_allowed, split_burst
from watchd.alerts.write_turns import WriteTurns
from watchd.db.models import DeliveryAttempt, Notification
from watchd.db.repositories.alerts import AlertsRepository
from watchd.domain.incidents import IncidentStatus, incident_code
from watchd.settings.alerts import AlertSettings

log = logging.getLogger(__name__)
OPEN = IncidentStatus.open.value


@dataclass(frozen=True, slots=True)
class Job:
    notification_id: int
    attempt_id: int
    action: Literal["send", "query"]
    channel_id: str
    message: OutgoingMessage
    provider_id: str | None


def delivery_policy(settings: AlertSettings) -> DeliveryPolicy:
    d = settings.delivery
    return DeliveryPolicy(
        retry_base=timedelta(seconds=d.retry_base_seconds), retry_max=timedelta(seconds=d.retry_max_seconds),
        query_after=timedelta(seconds=d.query_after_seconds),
        unknown_give_up=timedelta(minutes=d.unknown_give_up_minutes), give_up=timedelta(hours=d.give_up_hours),
    )


class Outbox:
    def __init__(self, writes: WriteTurns, settings: AlertSettings, composer: Composer) -> None:
        self.writes = writes
        self.settings = settings
        self.composer = composer
        self.policy = delivery_policy(settings)
        self.windows = [Window(timedelta(minutes=w.minutes), w.max) for w in settings.throttle.windows]
        self.failover_after = {c.id: timedelta(seconds=c.failover_after_seconds) for c in settings.channels}

    # -- claiming ---------------------------------------------------------------------------------
    def claim(self, now: datetime, limit: int, busy: Collection[int] = ()) -> list[Job]:
        """Due queries and sends (at most `limit`), marked in flight; `busy`: messages this runner
        is working on. Fresh messages to a recipient over its limits wait; what does not fit goes
        out as one summary (of incident messages: direct messages, such as reminders, just wait)."""
        jobs: list[Job] = []
        with self.writes.unit() as repo:
            for n in repo.due("unknown", now, limit + len(busy)):
                if n.id not in busy and len(jobs) < limit:
                    jobs.append(self._start(repo, n, "query", now))
            rows = repo.due("pending", now, limit * 4)
            links = repo.incident_ids_of([n.id for n in rows])
            statuses = repo.statuses_of({i for ids in links.values() for i in ids})
            by_key: dict[str, list[Notification]] = defaultdict(list)
            for n in rows:
                if links[n.id] and all(statuses.get(i) != OPEN for i in links[n.id]):
                    n.status, n.next_attempt_at, n.last_detail = "cancelled", None, "incident settled before sending"
                    continue
                by_key[n.throttle_key].append(n)
            for key, group in by_key.items():
                room = limit - len(jobs)
                if room <= 0:
                    break
                if key.startswith("call:"):  # calls: the call ledger limited them when they were written
                    jobs += [self._start(repo, n, "send", now) for n in group[:room]]
                    continue
                retries = [n for n in group if n.first_attempt_at is not None][:room]
                jobs += [self._start(repo, n, "send", now) for n in retries]
                # Incident messages first; direct messages (no incident, e.g. reminders) are never merged.
                fresh = sorted((n for n in group if n.first_attempt_at is None), key=lambda n: not links[n.id])
                about_incidents = sum(1 for n in fresh if links[n.id])
                if not fresh or len(jobs) >= limit:
                    continue
                sent = repo.attempt_times(key, now - lookback(self.windows))
                singles, summary = split_burst(
                    about_incidents, capacity(sent, self.windows, now), direct=len(fresh) - about_incidents
                )
                if singles + summary > limit - len(jobs):  # no room this time: the rest waits for the next claim
                    singles, summary = min(singles, limit - len(jobs)), False
                if not singles and not summary:
                    for n in fresh:
                        n.next_attempt_at = next_allowed(sent, self.windows, now)
                    continue
                jobs += [self._start(repo, n, "send", now) for n in fresh[:singles]]
                if summary:
                    merged = self._summary(repo, fresh[singles:about_incidents], links, now)
                    jobs.append(self._start(repo, merged, "send", now))
        return jobs

    def _summary(
        self, repo: AlertsRepository, rows: Sequence[Notification], links: dict[int, list[int]], now: datetime
    ) -> Notification:
        ids = sorted({i for n in rows for i in links[n.id]})
        incidents = [i for i in repo.incidents(ids) if i.status == OPEN]
        facts = sorted((self.composer.facts(repo, i) for i in incidents), key=lambda f: (f.severity != "major", f.opened_at))
        first = rows[0]
        zone, township = self.composer.zone, self.composer.township

        def render(link: str) -> tuple[str, dict[str, str]]:
            if len(facts) == 1:
                return (
                    alert_text(
                        facts[0], township=township, zone=zone, link=link, can_reply=first.purpose != "group",
                        escalated=first.purpose == "escalation",
                    ),
                    template_params(facts[0], township=township, zone=zone, link=link),
                )
            escalated = all(n.purpose == "escalation" for n in rows)
            text = digest_text(facts, township=township, zone=zone, link=link, escalated=escalated)
            return text, {"township": township, "count": str(len(facts)), "link": link,
                          "codes": ",".join(f.code for f in facts)}

        summary = self.composer.add_message(
            repo, dedup_key=f"summary:{first.id}", incident_ids=[i.id for i in incidents] or ids, purpose="digest",
            recipient=Recipient(first.person_id, first.recipient_name, first.address), chain=first.chain, now=now,
            render=render,
        )
        assert summary is not None  # the first row's id is unique, so is the key
        for n in rows:
            n.status, n.bundled_into, n.next_attempt_at = "bundled", summary.id, None
        log.info("%d messages to %s merged into one summary (%d incidents)", len(rows), first.recipient_name, len(facts))
        return summary

    def _start(self, repo: AlertsRepository, n: Notification, action: Literal["send", "query"], now: datetime) -> Job:
        channel = n.chain[n.channel_index]
        if action == "send":
            n.status = "sending"
            n.attempts += 1
            n.channel_attempts += 1
            n.first_attempt_at = n.first_attempt_at or now
            n.channel_started_at = n.channel_started_at or now
            n.next_attempt_at = None
        else:
            n.queries += 1
            # Provisional: asked again if the process dies before the answer is recorded.
            n.next_attempt_at = now + self.policy.query_after
        attempt = repo.add_attempt(
            DeliveryAttempt(notification_id=n.id, channel_id=channel, action=action, started_at=now, detail="")
        )
        codes = repo.incident_ids_of([n.id])[n.id]
        message = OutgoingMessage(
            message_id=n.message_id, recipient=n.address, text=n.text, template_params=dict(n.params),
            incident_code=incident_code(codes[0]) if len(codes) == 1 else "", call=n.purpose == "call",
        )
        return Job(n.id, attempt.id, action, channel, message, n.provider_id)

    # -- answers ----------------------------------------------------------------------------------
    def record(self, job: Job, result: SendResult | None, now: datetime) -> None:
        """What the provider answered to a send or a query (None: the query could not tell)."""
        with self.writes.unit() as repo:
            n = repo.notification(job.notification_id, lock=True)
            attempt = repo.attempt(job.attempt_id)
            if n is None or attempt is None:
                return
            attempt.finished_at = now
            attempt.outcome = result.outcome.value if result is not None else "no_answer"
            attempt.provider_id = result.provider_id if result is not None else None
            attempt.detail = (result.detail if result is not None else "provider cannot tell yet")[:300]
            expected = "sending" if job.action == "send" else "unknown"
            if n.status != expected:
                return  # a receipt settled it meanwhile
            state = self._state(n)
            if job.action == "send":
                assert result is not None
                decision = after_send(state, result, now, self.policy)
            else:
                decision = after_query(state, result, now, self.policy)
            self._apply(repo, n, decision, job.channel_id, attempt.detail, now)

    def _state(self, n: Notification) -> DeliveryState:
        channel = n.chain[n.channel_index]
        return DeliveryState(
            created_at=n.created_at, has_next_channel=n.channel_index + 1 < len(n.chain),
            channel_started_at=n.channel_started_at or n.created_at, channel_attempts=n.channel_attempts,
            failover_after=self.failover_after.get(channel, timedelta(0)), unknown_since=n.unknown_since,
            queries=n.queries,
        )

    def _apply(
        self, repo: AlertsRepository, n: Notification, decision: DeliveryDecision, channel: str, detail: str,
        now: datetime,
    ) -> None:
        n.last_detail = detail[:300]
        match decision:
            case Sent(provider_id=pid):
                n.status, n.sent_at, n.sent_channel, n.next_attempt_at = "sent", now, channel, None
                n.provider_id = pid or n.provider_id
            case RetryAt(at=at, resend_after_unknown=resend):
                n.status, n.next_attempt_at = "pending", at
                if resend:
                    log.warning("message %s: provider %s cannot say whether it was sent; sending it again",
                                n.message_id, channel)
                n.unknown_since, n.queries = None, 0
            case AskAt(at=at):
                n.status, n.next_attempt_at = "unknown", at
                n.unknown_since = n.unknown_since or now
            case Failover():
                nxt = n.chain[n.channel_index + 1]
                log.warning("message %s: channel %s is down (%s); failing over to %s", n.message_id, channel, detail, nxt)
                self._events(repo, n, "failover", f"{channel} → {nxt}: {detail}", now)
                n.channel_index += 1
                n.channel_attempts, n.channel_started_at, n.unknown_since, n.queries = 0, None, None, 0
                n.status, n.next_attempt_at = "pending", now
            case GiveUp(reason=reason):
                log.error("message %s to %s failed: %s (%s)", n.message_id, n.recipient_name, reason, detail)
                self._events(repo, n, "notify_failed", f"{n.recipient_name}: {reason}: {detail}", now)
                n.status, n.next_attempt_at = "failed", None

    def _events(self, repo: AlertsRepository, n: Notification, event: str, detail: str, now: datetime) -> None:
        for incident_id in repo.incident_ids_of([n.id])[n.id]:
            repo.add_event(incident_id, now, event, detail=detail)

    def apply_receipt(self, channel_id: str, receipt: DeliveryReceipt, now: datetime) -> bool:
        """A delivery report; False when it matches no message of ours."""
        with self.writes.unit() as repo:
            n = None
            if receipt.message_id:
                n = repo.notification_by_message_id(receipt.message_id) or repo.notification_by_short_id(
                    receipt.message_id
                )
            if n is None and receipt.provider_id:
                n = repo.notification_by_provider_id(channel_id, receipt.provider_id)
            if n is None:
                return False
            repo.add_attempt(DeliveryAttempt(
                notification_id=n.id, channel_id=channel_id, action="receipt", started_at=now, finished_at=now,
                outcome="delivered" if receipt.delivered else "undelivered", provider_id=receipt.provider_id,
                detail=receipt.detail[:300],
            ))
            if receipt.delivered:
                if n.status in ("pending", "sending", "unknown", "sent", "failed"):
                    n.status, n.delivered_at, n.next_attempt_at = "delivered", now, None
                    n.sent_at, n.sent_channel = n.sent_at or now, n.sent_channel or channel_id
                    n.provider_id = n.provider_id or receipt.provider_id
                return True
            if n.status in ("sent", "unknown") and (n.sent_channel or n.chain[n.channel_index]) == channel_id:
                decision: DeliveryDecision = (
                    Failover() if n.channel_index + 1 < len(n.chain) else GiveUp("not delivered to the handset")
                )
                self._apply(repo, n, decision, channel_id, f"receipt: {receipt.detail}", now)
            return True

    def recover(self, now: datetime) -> int:
        """After a crash: messages left `sending` may or may not have gone out; ask before re-sending."""
        with self.writes.unit() as repo:
            rows = repo.in_flight()
            for n in rows:
                n.status, n.unknown_since, n.queries, n.next_attempt_at = "unknown", now, 0, now
                n.last_detail = "interrupted while sending; asking the provider first"
            repo.close_interrupted_attempts(now)
        if rows:
            log.warning("%d messages were in flight when the previous runner stopped; asking before re-sending", len(rows))
        return len(rows)

