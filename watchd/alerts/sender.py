"""Delivers claimed outbox messages through the notifiers, a bounded number at a time."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TypeVar

from devices.secrets import MissingSecret
from watchd.alerts.notifiers.base import Notifier, Outcome, SendResult
from watchd.alerts.outbox import Job, Outbox

log = logging.getLogger(__name__)
T = TypeVar("T")
GRACE_S = 5.0  # on top of the channel's own timeout, for a notifier that ignores it
MAX_BATCHES = 1000  # claims per call, a bound against a loop that never runs dry


class Sender:
    """Claims due messages and sends each in its own task, at most `concurrency` at a time, so a
    provider that hangs holds up only its own requests, never the next alert."""

    def __init__(
        self, outbox: Outbox, notifiers: Mapping[str, Notifier], timeouts: Mapping[str, float],
        clock: Callable[[], datetime], concurrency: int, on_done: Callable[[], None] | None = None,
    ) -> None:
        self.outbox = outbox
        self.notifiers = notifiers
        self.timeouts = timeouts
        self.clock = clock
        self.concurrency = concurrency
        self.on_done = on_done
        self._tasks: dict[int, asyncio.Task[None]] = {}
        # One thread for the outbox's database work: claims and answers queue here in order instead
        # of filling the loop's shared executor with threads waiting for the (SQLite) write lock.
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox")

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def deliver_due(self, *, wait: bool = False) -> int:
        """Start a task for every due message while there is room; with `wait`, also wait for them
        (and for what they make due at once, such as a failover). Returns the requests started."""
        started = 0
        for _ in range(MAX_BATCHES):
            room = self.concurrency - len(self._tasks)
            jobs = await self._in_db(self.outbox.claim, self.clock(), room, set(self._tasks)) if room > 0 else []
            for job in jobs:
                task = asyncio.create_task(self._run(job), name=f"send:{job.message.message_id}")
                self._tasks[job.notification_id] = task
                task.add_done_callback(functools.partial(self._finished, job.notification_id))
            started += len(jobs)
            if not wait:
                if room <= 0 or len(jobs) < room:
                    break  # full, or everything due has started
                continue
            if not jobs and not self._tasks:
                break
            if self._tasks:
                await asyncio.wait(list(self._tasks.values()), return_when=asyncio.FIRST_COMPLETED)
        return started

    def _finished(self, notification_id: int, _task: asyncio.Task[None]) -> None:
        self._tasks.pop(notification_id, None)
        if self.on_done is not None:
            self.on_done()

    async def drain(self, grace_s: float) -> None:
        """Let requests in flight finish; cancel the rest (the next start asks the provider about them)."""
        tasks = list(self._tasks.values())
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=grace_s)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if pending:
            log.warning("%d messages were still being sent at shutdown; they will be checked at the next start",
                        len(pending))

    async def _run(self, job: Job) -> None:
        result = await (self._send(job) if job.action == "send" else self._query(job))
        await self._in_db(self.outbox.record, job, result, self.clock())

    async def _in_db(self, fn: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._db, functools.partial(fn, *args))

    def close(self) -> None:
        self._db.shutdown(wait=False)

    async def _send(self, job: Job) -> SendResult:
        notifier = self.notifiers.get(job.channel_id)
        if notifier is None:
            return SendResult(outcome=Outcome.failed, detail=f"channel {job.channel_id} is not configured")
        try:
            return await asyncio.wait_for(notifier.send(job.message), self.timeouts.get(job.channel_id, 10) + GRACE_S)
        except TimeoutError:
            return SendResult(outcome=Outcome.unknown, detail="no answer in time")
        except MissingSecret as exc:  # raised before anything went out
            return SendResult(outcome=Outcome.failed, detail=str(exc))
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
