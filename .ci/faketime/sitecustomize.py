"""Loaded by every Python process of a shifted-clock run (.ci/shifted-clock puts this folder on
PYTHONPATH); nothing else ever loads it.

libfaketime 0.9.10 (Debian 12 and 13) refuses clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) with
EINVAL when the monotonic clock is left real (FAKETIME_DONT_FAKE_MONOTONIC=1), and that is the call
Python's time.sleep makes. Faking the monotonic clock instead hangs condition waits. So the monotonic
clock stays real and time.sleep waits in select(), which libfaketime passes through untouched.
"""

import select
import time


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    select.select([], [], [], seconds)  # retried with the time left after a signal (PEP 475)


time.sleep = _sleep
