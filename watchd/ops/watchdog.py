"""The systemd watchdog: WATCHDOG=1 every WatchdogSec/2, but only while every stage's heartbeat is fresh.

When a stage goes stale the watchdog logs which stages, once, and stops pinging; systemd then
kills and restarts watchd after WatchdogSec. Should the stage recover before that, pinging
resumes (and that is logged once too).

The pinger runs in its own thread, not on the event loop: a blocked loop then shows up as the
stale stage "event_loop" in the log instead of as silence.
"""

from __future__ import annotations

import logging
import threading

from watchd.ops.heartbeat import Heartbeats
from watchd.systemd import Notifier

log = logging.getLogger(__name__)


class SystemdWatchdog:
    def __init__(self, notifier: Notifier, heartbeats: Heartbeats, interval_s: float) -> None:
        self.notifier = notifier
        self.heartbeats = heartbeats
        self.interval_s = interval_s
        self._reported: frozenset[str] = frozenset()
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> bool:
        """One round: ping when all stages are fresh; True when a ping was sent."""
        stale = self.heartbeats.stale()
        names = frozenset(s.name for s in stale)
        if names:
            if not names <= self._reported:
                described = ", ".join(f"{s.name} (silent {s.age_s:.0f} s, beats every {s.interval_s:g} s)" for s in stale)
                log.error("watchdog: stage(s) stalled: %s; no longer pinging systemd, which will restart watchd",
                          described)
            self._reported = names
            return False
        if self._reported:
            log.warning("watchdog: every stage beats again (%s recovered); pinging systemd again",
                        ", ".join(sorted(self._reported)))
            self._reported = frozenset()
        return self.notifier.watchdog()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="systemd-watchdog", daemon=True)
        self._thread.start()
        log.info("systemd watchdog: pinging every %.1f s while every stage is fresh", self.interval_s)

    def _run(self) -> None:
        while True:
            try:
                self.check()
            except Exception:
                log.exception("watchdog check failed")
            if self._halt.wait(self.interval_s):
                return

    def stop(self) -> None:
        self._halt.set()
        if self._thread is not None:
            self._thread.join(self.interval_s + 1.0)
            self._thread = None


def start_watchdog(notifier: Notifier, heartbeats: Heartbeats) -> SystemdWatchdog | None:
    """The running watchdog when systemd asked for one (WatchdogSec= in the unit), else None."""
    if notifier.watchdog_s is None or not notifier.enabled:
        return None
    watchdog = SystemdWatchdog(notifier, heartbeats, notifier.watchdog_s)
    watchdog.start()
    return watchdog
