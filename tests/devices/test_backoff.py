"""The reconnect backoff every device loop uses: waits double to a cap, start again after a try that
worked, and run on a clock the test drives (nothing here sleeps)."""

from __future__ import annotations

import asyncio
import threading

from devices.backoff import Backoff
from tests.helpers.driven_time import DrivenTime


def test_waits_double_up_to_the_cap_and_start_again_after_a_try_that_worked() -> None:
    backoff = Backoff(1.0, 10.0)
    assert [backoff.next_delay() for _ in range(6)] == [1, 2, 4, 8, 10, 10]
    backoff.worked()
    assert [backoff.next_delay() for _ in range(2)] == [1, 2]


def test_only_retries_count_and_a_failure_streak_is_reported_once() -> None:
    backoff = Backoff(1.0, 10.0)
    assert [backoff.attempt() for _ in range(3)] == [False, True, True]
    assert backoff.retries == 2
    assert [backoff.failed(), backoff.failed()] == [True, False]
    backoff.worked()
    assert backoff.failed() is True


def test_a_try_that_lasted_longer_than_reset_after_starts_afresh() -> None:
    time = DrivenTime()
    backoff = Backoff(1.0, 60.0, timing=time.timing, reset_after_s=30.0)
    backoff.attempt()
    assert [backoff.next_delay() for _ in range(3)] == [1, 2, 4]
    backoff.attempt()
    time.advance(30.0)  # not longer than 30 s: still backing off
    assert backoff.next_delay() == 8
    backoff.attempt()
    time.advance(30.5)
    assert backoff.next_delay() == 1


def test_at_least_lengthens_one_wait_and_hold_every_later_one() -> None:
    backoff = Backoff(1.0, 60.0)
    assert backoff.next_delay(at_least=45.0) == 45
    assert backoff.next_delay() == 2
    backoff.hold(30.0)
    assert [backoff.next_delay() for _ in range(2)] == [30, 60]


def test_a_thread_waiting_out_a_backoff_beats_on_the_way_and_a_halt_ends_it() -> None:
    time = DrivenTime()
    backoff = Backoff(25.0, 60.0, timing=time.timing)
    halt = threading.Event()
    beats: list[float] = []
    result: list[bool] = []
    worker = threading.Thread(
        target=lambda: result.append(backoff.wait(halt, beat=lambda: beats.append(time.monotonic()), beat_every_s=10))
    )
    worker.start()
    for _ in range(3):  # 10 s, 10 s and the last 5 s of the 25 s wait
        time.wait_until_sleeping()
        time.skip()
    worker.join(5)
    assert result == [False]
    assert time.waits == [10, 10, 5]
    assert [b - 1000 for b in beats] == [0, 10, 20, 25]

    worker = threading.Thread(target=lambda: result.append(backoff.wait(halt)))
    worker.start()
    time.wait_until_sleeping()
    halt.set()
    worker.join(5)
    assert result == [False, True]
    assert time.waits[-1] == 50


def test_a_coroutine_waiting_out_a_backoff_returns_when_stopped() -> None:
    time = DrivenTime()
    backoff = Backoff(2.0, 60.0, timing=time.timing)

    async def main() -> tuple[bool, bool]:
        stop = asyncio.Event()
        first = asyncio.create_task(backoff.sleep(stop))
        await time.until_sleeping()
        time.skip()
        second = asyncio.create_task(backoff.sleep(stop))
        await time.until_sleeping()
        stop.set()
        return await first, await second

    assert asyncio.run(main()) == (False, True)
    assert time.waits == [2, 4]
