"""Alert writes, each its own unit of work, that take turns fairly on SQLite.

SQLite has one writer at a time and its busy handler is not fair: a thread that writes in a tight
loop (a burst of 200 observations) re-takes the lock before a sleeping waiter wakes, and the runner's
claim would wait the whole burst out. Within the process, alert writes therefore queue in arrival
order and start with BEGIN IMMEDIATE. On PostgreSQL there is no queue: rows are locked as they are
read (FOR UPDATE), and writers run side by side.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from watchd.db.repositories.alerts import AlertsRepository
from watchd.db.session import Database


class FairLock:
    """A lock handed to waiters in the order they came (threading.Lock lets the releaser win again)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._queue: deque[object] = deque()
        self._held = False

    def __enter__(self) -> None:
        me = object()
        with self._cond:
            self._queue.append(me)
            while self._held or self._queue[0] is not me:
                self._cond.wait()
            self._queue.popleft()
            self._held = True

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._held = False
            self._cond.notify_all()


class WriteTurns:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = FairLock() if db.dialect == "sqlite" else None

    @contextmanager
    def unit(self) -> Iterator[AlertsRepository]:
        """One unit of work as a writer: committed at the end, rolled back on an exception."""
        with self._lock if self._lock is not None else nullcontext(), self.db.unit_of_work() as session:
            yield AlertsRepository(session)  # unit_of_work() holds SQLite's write lock from BEGIN
