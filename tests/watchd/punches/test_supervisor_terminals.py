"""The supervisor with a real ZKTeco driver against the fake terminal: punches to check-ins, presence to observations."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest

from tests.fakes.zkteco_device import ZONE, FakeZKDevice
from tests.helpers.sinks import Observations
from tests.watchd.punches.conftest import local
from watchd.app import Services
from watchd.domain.observations import ObservationKind
from watchd.pipeline.supervisor import DeviceSupervisor

BASE = datetime(2026, 11, 23, 7, 40, tzinfo=ZONE)  # the fake clock stands at 08:30


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


async def supervise(services: Services, until: Callable[[], bool], sink: Observations, *, during: Callable[[], None] | None = None, limit: float = 15) -> None:
    s = services.config.settings
    sup = DeviceSupervisor(
        list(s.devices), services.checkins, services.engine, s.liveness, services.clock, punches=services.punches,
        observations=sink,
    )
    sup.start()
    try:
        deadline = asyncio.get_running_loop().time() + limit
        while not await asyncio.to_thread(until):
            assert asyncio.get_running_loop().time() < deadline, "timed out"
            if during is not None:
                during()
            await asyncio.sleep(0.05)
    finally:
        await sup.stop()


def test_punches_from_the_terminal_become_checkins_once(make_services: Callable[..., Services], zk: FakeZKDevice) -> None:
    services = zk_services(make_services, zk)
    sink = Observations()
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
    sink = Observations()
    hung: list[bool] = []

    def hang_once_online() -> None:
        if not hung and services.punches.terminals()[0].online:
            zk.faults.hang = True
            hung.append(True)

    asyncio.run(supervise(services, lambda: len(sink.seen) >= 1, sink, during=hang_once_online))
    (offline,) = sink.seen
    assert (offline.kind, offline.site_id, offline.subject, offline.active) == (
        ObservationKind.device_offline, "bayan", "zk-bayan", True,
    )
    assert "no reply" in str(offline.details["detail"])
    zk.faults.hang = False
    asyncio.run(supervise(services, lambda: len(sink.seen) >= 2, sink))
    assert [o.active for o in sink.seen] == [True, False]
    assert sink.seen[1].summary == "设备 zk-bayan 恢复在线"
