"""Delivers claimed outbox messages through the notifiers, a bounded number at a time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime

from watchd.alerts.notifiers.base import Notifier, Outcome, SendResult
from watchd.alerts.outbox import Job, Outbox

log = logging.getLogger(__name__)
GRACE_S = 5.0  # on top of the channel's own timeout, for a notifier that ignores it
MAX_BATCHES = 50  # per run: the runner comes back soon, and renews its lease in between


class Sender:
    def __init__(
        self, outbox: Outbox, notifiers: Mapping[str, Notifier], timeouts: Mapping[str, float],
        clock: Callable[[], datetime], concurrency: int, renew: Callable[[], bool] | None = None,
    ) -> None:
        self.outbox = outbox
        self.notifiers = notifiers
        self.timeouts = timeouts
        self.clock = clock
        self.concurrency = concurrency
        self.renew = renew

    async def deliver_due(self) -> int:
        """Send (or ask about) every due message; return how many requests were made."""
        done = 0
        for _ in range(MAX_BATCHES):
            jobs = await asyncio.to_thread(self.outbox.claim, self.clock(), self.concurrency)
            if not jobs:
                break
            await asyncio.gather(*(self._run(job) for job in jobs))
            done += len(jobs)
            if self.renew is not None and not await asyncio.to_thread(self.renew):
                log.warning("lost the runner lease; stopping delivery")
                break
        return done

    async def _run(self, job: Job) -> None:
        result = await (self._send(job) if job.action == "send" else self._query(job))
        await asyncio.to_thread(self.outbox.record, job, result, self.clock())

    async def _send(self, job: Job) -> SendResult:
        notifier = self.notifiers.get(job.channel_id)
        if notifier is None:
            return SendResult(outcome=Outcome.failed, detail=f"channel {job.channel_id} is not configured")
        try:
            return await asyncio.wait_for(notifier.send(job.message), self.timeouts.get(job.channel_id, 10) + GRACE_S)
        except TimeoutError:
            return SendResult(outcome=Outcome.unknown, detail="no answer in time")
        except Exception as exc:
            # A bug in a channel after the request went out must not cause a blind re-send.
            log.exception("channel %s raised while sending %s", job.channel_id, job.message.message_id)
            return SendResult(outcome=Outcome.unknown, detail=f"channel error: {type(exc).__name__}")

    async def _query(self, job: Job) -> SendResult | None:
        notifier = self.notifiers.get(job.channel_id)
        if notifier is None:
            return None
        try:
            return await asyncio.wait_for(
                notifier.query(job.message, job.provider_id), self.timeouts.get(job.channel_id, 10) + GRACE_S
            )
        except TimeoutError:
            return None
        except Exception:
            log.exception("channel %s raised while asking about %s", job.channel_id, job.message.message_id)
            return None
