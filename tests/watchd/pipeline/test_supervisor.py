"""The device supervisor: terminal check-ins reach the database exactly once; a bad device hurts nobody."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from devices.backoff import REAL_TIME
from devices.contracts import CheckIn
from tests.helpers.clocks import FakeClock
from tests.helpers.driven_time import DrivenTime
from tests.watchd.punches.test_supervisor_terminals import ListObservations
from watchd.app import Services, build_supervisor
from watchd.ops.heartbeat import Heartbeats
from watchd.pipeline import supervisor as supervisor_module
from watchd.pipeline.supervisor import DeviceSupervisor

SCRIPT = [
    {"subject_ref": "c001", "at": "2026-11-23T08:01:00+08:00"},
    {"subject_ref": "c002", "at": "2026-11-23T08:02:00+08:00"},
    {"subject_ref": "stranger", "at": "2026-11-23T08:03:00+08:00"},
    {"subject_ref": "c002", "at": "2026-11-23T14:31:00+08:00"},
]


def devices(extra: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    return [
        {"id": "kiosk-bayan", "kind": "kiosk_web", "site": "bayan"},
        {"id": "term-1", "kind": "fake_terminal", "site": "hure", "script": SCRIPT, "interval_s": 0},
        *(extra or []),
    ]


async def run_for(services: Services, seconds: float) -> DeviceSupervisor:
    sup = build_supervisor(services, heartbeats=Heartbeats())
    sup.start()
    await asyncio.sleep(seconds)
    await sup.stop()
    return sup


async def run_until(
    services: Services, condition: Callable[[DeviceSupervisor], bool], time: DrivenTime | None = None
) -> DeviceSupervisor:
    """Run until `condition` holds; with `time`, the drivers' reconnect waits are skipped, not slept."""
    sup = build_supervisor(services, heartbeats=Heartbeats(), timing=time.timing if time else REAL_TIME)
    sup.start()
    deadline = asyncio.get_running_loop().time() + 10
    await asyncio.sleep(0.05)
    while not condition(sup):
        assert asyncio.get_running_loop().time() < deadline, f"timed out; waits: {time.waits if time else '-'}"
        if time is not None and time.sleeping:
            time.skip()
        await asyncio.sleep(0.02)
    await sup.stop()
    return sup


def test_terminal_checkins_are_recorded_once_even_when_replayed(
    make_services: Callable[..., Services], clock: FakeClock
) -> None:
    clock.advance(hours=7)  # 15:30: every scripted punch is in the past (a future one would be quarantined)
    services = make_services(devices=devices())
    asyncio.run(run_for(services, 1.0))
    rows = services.checkins.search()
    got = sorted((c.person_id, c.occurred_at.astimezone(services.config.settings.zone).strftime("%H:%M")) for c in rows)
    assert got == [("c001", "08:01"), ("c002", "08:02"), ("c002", "14:31")]
    assert {c.method for c in rows} == {"terminal"}
    # A restart replays the whole script: nothing new is stored.
    asyncio.run(run_for(services, 1.0))
    assert len(services.checkins.search()) == 3


def test_a_dead_camera_does_not_stop_the_terminal(make_services: Callable[..., Services], clock: FakeClock) -> None:
    clock.advance(hours=7)
    dead = {"id": "cam-1", "kind": "kiosk_camera", "site": "bayan", "source": "rtsp://127.0.0.1:1/none"}
    services = make_services(devices=devices([dead]))

    time = DrivenTime()

    def settled(sup: DeviceSupervisor) -> bool:
        cam, term = sup.runtimes.get("cam-1"), sup.runtimes.get("term-1")
        stored = len(services.checkins.search()) == 3
        retried = len(time.waits) >= 3
        return retried and stored and cam is not None and cam.online is False and term is not None and term.online is True

    sup = asyncio.run(run_until(services, settled, time))
    assert time.waits[:3] == [1.0, 2.0, 4.0]  # the camera keeps retrying, backing off, on the driven clock
    assert len(services.checkins.search()) == 3
    assert sup.runtimes["cam-1"].online is False
    assert sup.runtimes["term-1"].online is True


def test_idle_stages_stay_fresh_a_stuck_consumer_goes_stale_and_a_stop_unregisters_all(
    make_services: Callable[..., Services], clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Beats of 0.2 s (stale after 0.6 s): 0.05 s once made idle stages stale while a loaded CI box held the loop.
    monkeypatch.setattr(supervisor_module, "CONSUMER_BEAT_S", 0.2)
    monkeypatch.setattr(supervisor_module, "DRIVER_BEAT_S", 0.2)
    clock.advance(hours=7)
    services = make_services(devices=devices())
    heartbeats = Heartbeats(factor=3)

    async def scenario() -> tuple[set[str], list[str], list[str], list[str]]:
        # The terminal's online transition is kept in memory: storing an incident may take longer than 3 x 200 ms.
        sup = build_supervisor(services, heartbeats=heartbeats, observations=ListObservations())
        sup.start()
        await asyncio.sleep(1.0)  # the script is stored, then every queue stays empty
        names = {st.name for st in heartbeats.states()}
        idle_stale = [st.name for st in heartbeats.stale()]

        async def hang(device_id: str, punches: list[Any]) -> None:
            await asyncio.Event().wait()  # e.g. a database call that never returns

        monkeypatch.setattr(sup.terminals, "checkins", hang)
        term = sup.runtimes["term-1"]
        term.emit(CheckIn(device_id="term-1", occurred_at=clock(), subject_ref="c001", method="face", event_id="x"))
        await asyncio.sleep(1.0)
        stuck = [st.name for st in heartbeats.stale()]
        await sup.stop()
        return names, idle_stale, stuck, [st.name for st in heartbeats.states()]

    names, idle_stale, stuck, after_stop = asyncio.run(scenario())
    assert {"driver:term-1", "events:term-1", "frames:term-1"} <= names
    assert idle_stale == []
    assert stuck == ["events:term-1"]
    assert after_stop == []


def test_a_crashing_driver_is_restarted_with_backoff_and_the_crash_logged_once(
    make_services: Callable[..., Services], clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    runs: list[int] = []

    class CrashingDriver:
        kind = "fake_terminal"

        async def probe(self) -> None:
            raise NotImplementedError

        async def run(self, sink: object, stop: asyncio.Event) -> None:
            runs.append(1)
            raise RuntimeError("a bug in the driver")

        def diagnostics(self) -> dict[str, object]:
            return {}

    monkeypatch.setattr(supervisor_module, "create_driver", lambda c, **_: CrashingDriver() if c.id == "term-1" else None)
    services = make_services(devices=devices())
    time = DrivenTime()

    async def scenario() -> None:
        sup = build_supervisor(services, heartbeats=Heartbeats(), timing=time.timing)
        sup.start()
        await time.skip_until(lambda: len(time.waits) >= 8)
        await sup.stop()

    asyncio.run(scenario())
    assert time.waits == [1, 2, 4, 8, 16, 32, 60, 60]  # seconds before each restart
    assert len(runs) == 8
    crashes = [r for r in caplog.records if "crashed; restarting with backoff" in r.getMessage()]
    assert len(crashes) == 1 and crashes[0].exc_info is not None
