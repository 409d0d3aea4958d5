"""The fake face terminal driver: scripted check-ins with stable event ids."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from devices.contracts import CheckIn, DeviceEvent, DeviceStatus
from devices.fake import FakeTerminalConfig, FakeTerminalDriver, fake_event_id
from tests.helpers.sinks import Events

SCRIPT = [
    {"subject_ref": "1001", "at": "2024-05-01T08:00:00+08:00"},
    {"subject_ref": "1002", "at": "2024-05-01T08:01:30+08:00", "method": "card"},
    {"subject_ref": "1001", "at": "2024-05-01T17:30:00+08:00"},
]


def make_config(**overrides: object) -> FakeTerminalConfig:
    data: dict[str, object] = {
        "kind": "fake_terminal",
        "id": "fake-1",
        "site": "v",
        "script": SCRIPT,
        "interval_s": 0.01,
    }
    return FakeTerminalConfig.model_validate({**data, **overrides})


def run_until(driver: FakeTerminalDriver, count: int) -> list[DeviceEvent]:
    async def main() -> list[DeviceEvent]:
        stop = asyncio.Event()
        sink = Events(stop, stop_after=count)
        await asyncio.wait_for(driver.run(sink, stop), timeout=5)
        return sink.events

    return asyncio.run(main())


def test_emits_online_then_scripted_check_ins() -> None:
    events = run_until(FakeTerminalDriver(make_config()), 4)
    status, *check_ins = events
    assert isinstance(status, DeviceStatus)
    assert status.state == "online"
    assert status.occurred_at.tzinfo is not None
    assert all(isinstance(event, CheckIn) for event in check_ins)
    assert [(c.subject_ref, c.method) for c in check_ins if isinstance(c, CheckIn)] == [
        ("1001", "face"),
        ("1002", "card"),
        ("1001", "face"),
    ]
    first = check_ins[0]
    assert isinstance(first, CheckIn)
    assert first.device_id == "fake-1"
    assert first.occurred_at == datetime(2024, 5, 1, 0, 0, tzinfo=UTC)


def test_event_ids_are_stable_across_replays_and_unique_per_check_in() -> None:
    first = [e.event_id for e in run_until(FakeTerminalDriver(make_config()), 4) if isinstance(e, CheckIn)]
    replay = [e.event_id for e in run_until(FakeTerminalDriver(make_config()), 4) if isinstance(e, CheckIn)]
    assert first == replay
    assert len(set(first)) == 3


def test_event_id_depends_on_instant_not_on_offset() -> None:
    at = datetime(2024, 5, 1, 8, 0, tzinfo=timezone(timedelta(hours=8)))
    assert fake_event_id("d", "s", at) == fake_event_id("d", "s", at.astimezone(UTC))
    assert fake_event_id("d", "s", at) != fake_event_id("other", "s", at)
    assert fake_event_id("d", "s", at) != fake_event_id("d", "s2", at)
    with pytest.raises(ValueError, match="timezone-aware"):
        fake_event_id("d", "s", datetime(2024, 5, 1, 8, 0))  # noqa: DTZ001


def test_idles_after_the_script_and_honours_stop() -> None:
    async def main() -> float:
        stop = asyncio.Event()
        sink = Events()
        task = asyncio.create_task(FakeTerminalDriver(make_config()).run(sink, stop))
        await asyncio.sleep(0.3)
        assert len(sink.events) == 4
        assert not task.done()
        stop.set()
        started = time.monotonic()
        await asyncio.wait_for(task, timeout=1)
        return time.monotonic() - started

    assert asyncio.run(main()) < 0.5


def test_stop_interrupts_a_long_interval() -> None:
    async def main() -> tuple[float, int]:
        stop = asyncio.Event()
        sink = Events(stop, stop_after=2)  # online + first check-in
        started = time.monotonic()
        await asyncio.wait_for(FakeTerminalDriver(make_config(interval_s=60)).run(sink, stop), timeout=2)
        return time.monotonic() - started, len(sink.events)

    elapsed, count = asyncio.run(main())
    assert elapsed < 0.5
    assert count == 2


def test_refused_events_are_counted() -> None:
    driver = FakeTerminalDriver(make_config())

    async def main() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(driver.run(Events(accept=False), stop))
        await asyncio.sleep(0.2)
        stop.set()
        await task

    asyncio.run(main())
    diagnostics = driver.diagnostics()
    assert diagnostics["events_dropped"] == 4
    assert diagnostics["events_emitted"] == 0
    assert diagnostics["state"] == "stopped"


def test_probe_names_the_fake() -> None:
    info = asyncio.run(FakeTerminalDriver(make_config()).probe())
    assert info.serial == "fake-fake-1"
    assert "fake" in info.model


def test_config_rejects_naive_times_and_unknown_keys() -> None:
    with pytest.raises(ValidationError) as naive:
        make_config(script=[{"subject_ref": "1", "at": "2024-05-01T08:00:00"}])
    assert naive.value.errors()[0]["loc"] == ("script", 0, "at")
    with pytest.raises(ValidationError) as extra:
        make_config(script=[{"subject_ref": "1", "at": "2024-05-01T08:00:00Z", "face": True}])
    assert extra.value.errors()[0]["loc"] == ("script", 0, "face")
    with pytest.raises(ValidationError):
        make_config(interval_s=-1)
