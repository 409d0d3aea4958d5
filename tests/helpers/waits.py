"""Polling until something a test waits for is true, for what no driven clock can reach (a daemon
in another process, a browser): a deadline on the monotonic clock and a message naming what."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for(
    check: Callable[[], bool], timeout: float, what: str, *, every: float = 0.05,
    context: Callable[[], str] = lambda: "",
) -> None:
    """Return once `check()` is true; fail after `timeout` seconds naming `what` (and `context()`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every)
    extra = context()
    raise AssertionError(f"timed out waiting for {what}" + (f"\n{extra}" if extra else ""))
