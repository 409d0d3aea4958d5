"""Stage heartbeats: fresh while beating, stale when silent, idle waiting is not death."""

from __future__ import annotations

import asyncio

import pytest

from tests.helpers.clocks import MonoClock
from watchd.ops.heartbeat import Heartbeats, get_beating, staged


def test_a_stage_goes_stale_only_after_interval_times_factor() -> None:
    clock = MonoClock(1000.0)
    hb = Heartbeats(clock, factor=3)
    events = hb.register("events:t1", 10)
    clock.now += 29
    assert hb.stale() == []
    clock.now += 2
    [stale] = hb.stale()
    assert (stale.name, round(stale.age_s)) == ("events:t1", 31)
    events.beat()
    assert hb.stale() == []


def test_closing_removes_the_stage_and_a_replaced_handle_is_ignored() -> None:
    clock = MonoClock(1000.0)
    hb = Heartbeats(clock)
    old = hb.register("driver:t1", 5)
    new = hb.register("driver:t1", 5)  # the driver restarted under the same name
    clock.now += 100
    old.beat()  # the old handle no longer counts ...
    old.close()  # ... nor removes its successor
    assert [s.name for s in hb.stale()] == ["driver:t1"]
    new.close()
    assert hb.states() == []


def test_a_stage_that_dies_of_an_error_stays_and_goes_stale_but_a_cancelled_one_leaves() -> None:
    clock = MonoClock(1000.0)
    hb = Heartbeats(clock)

    async def crash() -> None:
        raise RuntimeError("bug")

    async def forever() -> None:
        await asyncio.Event().wait()

    async def main() -> None:
        with pytest.raises(RuntimeError):
            await staged(hb.register("crashing", 1), crash())
        task = asyncio.create_task(staged(hb.register("cancelled", 1), forever()))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    clock.now += 10
    assert [s.name for s in hb.stale()] == ["crashing"]


def test_a_consumer_of_an_empty_queue_keeps_beating_and_still_gets_its_item() -> None:
    hb = Heartbeats(factor=3)  # real monotonic time, short interval

    async def main() -> tuple[int, list[str]]:
        queue: asyncio.Queue[int] = asyncio.Queue()
        beat = hb.register("consumer", 0.05)
        stale_seen: list[str] = []

        async def watch() -> None:
            for _ in range(10):
                await asyncio.sleep(0.05)
                stale_seen.extend(s.name for s in hb.stale())

        watcher = asyncio.create_task(watch())
        consumer = asyncio.create_task(get_beating(queue, beat))
        await watcher  # half a second of an empty queue
        queue.put_nowait(7)
        return await consumer, stale_seen

    item, stale_seen = asyncio.run(main())
    assert item == 7
    assert stale_seen == []
