"""The supervisor with a real ZKTeco driver against the fake terminal: punches to check-ins, presence to observations."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest

from devices.zkteco import protocol as p
from tests.fakes.zkteco_device import ZONE, FakeZKDevice
from tests.helpers.driven_time import DrivenTime
from tests.watchd.punches.conftest import local
from watchd.app import Services, build_supervisor
from watchd.domain.observations import Observation, ObservationKind
from watchd.ops.heartbeat import Heartbeats

BASE = datetime(2026, 11, 23, 7, 40, tzinfo=ZONE)  # the fake clock stands at 08:30


class ListObservations:
    def __init__(self) -> None:
        self.seen: list[Observation] = []

    def report(self, observation: Observation) -> None:
        self.seen.append(observation)


@pytest.fixture
def zk() -> Iterator[FakeZKDevice]:
    dev = FakeZKDevice(serial="ZKBAYAN01")
    dev.add_user("c001", "其其格")
    dev.add_user("1001", "乌云")
    dev.add_records([("c001" if i % 3 else "1001", BASE + timedelta(minutes=i)) for i in range(40)])
    with dev:
        yield dev


def zk_services(make_services: Callable[..., Services], dev: FakeZKDevice, **zk: object) -> Services:
    device = {
        "id": "zk-bayan", "kind": "zkteco", "site": "bayan", "host": "127.0.0.1", "port": dev.tcp_port,
        "poll_interval_s": 1, "timeout_s": 0.3, "retry_max_s": 1, **zk,
    }
    return make_services(devices=[device], checkin={"dedup_window_minutes": 0})


async def supervise(services: Services, until: Callable[[], bool], sink: ListObservations, *, during: Callable[[], None] | None = None, limit: float = 15) -> DrivenTime:
    """Run the supervisor until `until()` holds; the driver's polls and reconnect waits are skipped,
    not slept (its socket timeouts stay real). The driven time is returned with every wait asked for."""
    time = DrivenTime()
    sup = build_supervisor(services, heartbeats=Heartbeats(), observations=sink, timing=time.timing)
    sup.start()
    try:
        deadline = asyncio.get_running_loop().time() + limit
        while not await asyncio.to_thread(until):
            assert asyncio.get_running_loop().time() < deadline, f"timed out; waits asked: {time.waits}"
            if during is not None:
                during()
            if time.sleeping:
                time.skip()
            await asyncio.sleep(0.01)
    finally:
        await sup.stop()
    return time


def test_punches_from_the_terminal_become_checkins_once(make_services: Callable[..., Services], zk: FakeZKDevice) -> None:
    services = zk_services(make_services, zk)
    sink = ListObservations()
    asyncio.run(supervise(services, lambda: len(services.punches.punches(limit=100)) >= 40, sink))
    checkins = services.checkins.search(limit=100)
    assert len(checkins) == 26  # c001's punches; 1001 is not mapped yet
    assert {c.person_id for c in checkins} == {"c001"}
    assert local(min(c.occurred_at for c in checkins)) == "2026-11-23 07:41:00"
    (unknown,) = services.punches.unknown_users()
    assert (unknown.device_user, unknown.user_name, unknown.punches) == ("1001", "乌云", 14)
    (state,) = services.punches.terminals()
    assert (state.serial, state.model, state.online) == ("ZKBAYAN01", "SpeedFace-V5L", True)
    assert state.position == "40|1001|2026-11-23 08:19:00"
    assert [(o.kind, o.active) for o in sink.seen] == []  # coming online is no incident

    # A restart re-reads the log: nothing changes; mapping 1001 counts its 14 punches.
    zk.add_records([("1001", BASE + timedelta(minutes=45))])
    asyncio.run(supervise(services, lambda: len(services.punches.punches(limit=100)) >= 41, sink))
    assert len(services.checkins.search(limit=100)) == 26
    assert services.punches.set_mapping("zk-bayan", "1001", "c002").recounted == 15
    assert len(services.checkins.search(limit=100)) == 41


def test_a_hanging_terminal_is_one_offline_observation(make_services: Callable[..., Services], zk: FakeZKDevice) -> None:
    services = zk_services(make_services, zk, live_events=False)
    sink = ListObservations()
    hung: list[bool] = []

    def hang_once_online() -> None:
        if not hung and services.punches.terminals()[0].online:
            zk.faults.hang = True
            hung.append(True)

    time = asyncio.run(supervise(services, lambda: len(sink.seen) >= 1, sink, during=hang_once_online))
    assert time.waits and set(time.waits) == {1.0}  # the poll interval, the reconnect delay: skipped, not slept
    (offline,) = sink.seen
    assert (offline.kind, offline.site_id, offline.subject, offline.active) == (
        ObservationKind.device_offline, "bayan", "zk-bayan", True,
    )
    assert "no reply" in str(offline.details["detail"])
    zk.faults.hang = False
    asyncio.run(supervise(services, lambda: len(sink.seen) >= 2, sink))
    assert [o.active for o in sink.seen] == [True, False]
    assert sink.seen[1].summary == "设备 zk-bayan 恢复在线"


def test_a_clock_skew_is_logged_when_it_appears_changes_or_clears(
    make_services: Callable[..., Services], zk: FakeZKDevice, caplog: pytest.LogCaptureFixture
) -> None:
    """Polled every second, a terminal 20 minutes fast is one warning, not one per poll."""
    services = zk_services(make_services, zk, live_events=False)
    sink = ListObservations()

    def polls_after(n: int) -> Callable[[], bool]:
        start = zk.commands.count(p.CMD_GET_TIME)
        return lambda: zk.commands.count(p.CMD_GET_TIME) >= start + n

    def skew_lines() -> list[tuple[str, str]]:
        return [(r.levelname, r.getMessage()) for r in caplog.records if "zk-bayan: clock" in r.getMessage()]

    caplog.set_level(logging.INFO, logger="watchd.services.punches")
    zk.clock_offset = timedelta(minutes=20)
    asyncio.run(supervise(services, polls_after(4), sink))
    (appeared,) = skew_lines()
    assert appeared[0] == "WARNING" and re.search(r"clock off by 1(199|200) s$", appeared[1])

    zk.clock_offset = timedelta(minutes=45)  # it drifts further: said once more
    asyncio.run(supervise(services, polls_after(4), sink))
    assert len(skew_lines()) == 2
    assert skew_lines()[1][0] == "WARNING"
    assert re.search(r"clock off by 2(699|700) s \(was 1(199|200) s\)$", skew_lines()[1][1])

    zk.clock_offset = timedelta(0)  # someone set the clock: said once, and then nothing
    asyncio.run(supervise(services, polls_after(4), sink))
    assert len(skew_lines()) == 3
    assert skew_lines()[2][0] == "INFO" and "clock back within 600 s" in skew_lines()[2][1]
