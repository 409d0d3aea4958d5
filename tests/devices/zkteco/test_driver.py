"""The ZKTeco driver: probe, log reading with a stored position, live events, presence, bad devices."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from devices.contracts import CheckIn, DeviceEvent, DeviceUnavailable
from devices.terminal import RAW_CURSOR, RAW_DEVICE_TIME, RAW_SERIAL, RAW_SKEW, RAW_USER_NAME, WallTime
from devices.zkteco.config import ZKTecoConfig
from devices.zkteco.driver import ZKTecoDriver
from tests.devices.zkteco.conftest import BASE, RecordingSink, eventually
from tests.fakes.zkteco_device import FakeZKDevice
from tests.helpers.driven_time import DrivenTime


def config(dev: FakeZKDevice, **overrides: Any) -> ZKTecoConfig:
    data: dict[str, Any] = {
        "kind": "zkteco", "id": "zk-bayan", "site": "bayan", "host": "127.0.0.1", "port": dev.tcp_port,
        "poll_interval_s": 1, "timeout_s": 1, "batch_size": 100, **overrides,
    }
    return ZKTecoConfig.model_validate(data)


def run(driver: ZKTecoDriver, sink: RecordingSink, until: Callable[[], bool], *, during: Callable[[], Awaitable[None]] | None = None, limit: float = 10) -> None:
    async def main() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(driver.run(sink, stop))
        if during is not None:
            await during()
        deadline = asyncio.get_running_loop().time() + limit
        while not until():
            assert asyncio.get_running_loop().time() < deadline, f"timed out; sink has {len(sink.punches)} punches"
            await asyncio.sleep(0.02)
        stop.set()
        await asyncio.wait_for(task, 5)

    asyncio.run(main())


def test_probe_reports_serial_model_firmware_and_clock(device: FakeZKDevice) -> None:
    device.clock_offset = timedelta(minutes=-7)
    info = asyncio.run(ZKTecoDriver(config(device)).probe())
    assert (info.serial, info.model, info.firmware) == ("ZKFAKE0001", "SpeedFace-V5L", "Ver 6.60 Apr 28 2016")
    assert info.clock is not None and info.clock.utcoffset() == timedelta(hours=8)


def test_probe_refuses_another_terminal_at_the_address(device: FakeZKDevice) -> None:
    with pytest.raises(DeviceUnavailable, match="serial number 'ZKFAKE0001' is not the configured 'OTHER'"):
        asyncio.run(ZKTecoDriver(config(device, serial="OTHER")).probe())


@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_reads_the_log_in_batches_with_positions_and_natural_keys(device: FakeZKDevice, transport: str) -> None:
    device.add_records([("1001" if i % 2 else "1002", BASE + timedelta(minutes=i)) for i in range(250)])
    port = device.tcp_port if transport == "tcp" else device.udp_port
    sink = RecordingSink()
    device.clock_offset = timedelta(seconds=-90)
    run(ZKTecoDriver(config(device, transport=transport, port=port)), sink, lambda: len(sink.punches) >= 250)
    assert [n for n, _ in sink.batches[:3]] == [100, 100, 50]
    assert len(sink.synced) >= 1 and sink.synced[0].tzinfo is not None  # only the last batch of a read
    assert sink.batches[2][1] == "250|1001|2026-11-23 12:09:00"
    first = sink.punches[0]
    assert first.subject_ref == "1002"
    assert first.event_id == "ZKFAKE0001|1002|2026-11-23 08:00:00"
    assert first.raw[RAW_SERIAL] == "ZKFAKE0001"
    assert first.raw[RAW_DEVICE_TIME] == "2026-11-23 08:00:00"
    assert first.raw[RAW_CURSOR] == "0"
    assert first.raw[RAW_USER_NAME] == "巴特尔"
    assert -100 < float(first.raw[RAW_SKEW]) < -80
    assert first.occurred_at.isoformat() == "2026-11-23T08:00:00+08:00"
    assert sink.seen[0][0].serial == "ZKFAKE0001"
    assert [s.state for s in sink.statuses] == ["online"]


def test_resumes_after_the_stored_position_and_rereads_a_replaced_log(device: FakeZKDevice) -> None:
    device.add_records([("1001", BASE + timedelta(minutes=i)) for i in range(10)])
    sink = RecordingSink(position="6|1001|2026-11-23 08:05:00")
    run(ZKTecoDriver(config(device)), sink, lambda: len(sink.punches) >= 4)
    assert [p.raw[RAW_CURSOR] for p in sink.punches] == ["6", "7", "8", "9"]

    stale = RecordingSink(position="6|1001|2026-11-22 23:59:00")  # the log was cleared and refilled
    run(ZKTecoDriver(config(device)), stale, lambda: len(stale.punches) >= 10)
    assert len(stale.punches) == 10


def test_live_punches_arrive_between_polls(device: FakeZKDevice) -> None:
    sink = RecordingSink()
    driver = ZKTecoDriver(config(device, poll_interval_s=30))

    async def punch() -> None:
        await eventually(lambda: driver.diagnostics()["mode"] == "live")  # registered for live events
        device.punch_live("1001", BASE + timedelta(hours=1))

    run(driver, sink, lambda: len(sink.punches) >= 1, during=punch)
    assert sink.punches[0].raw["source"] == "zkteco_live"
    assert sink.punches[0].raw[RAW_DEVICE_TIME] == "2026-11-23 09:00:00"


def test_only_the_configured_verification_modes_are_read(device: FakeZKDevice) -> None:
    device.add_records([("1001", BASE)], verify=15)
    device.add_records([("1002", BASE)], verify=4)  # a card
    sink = RecordingSink()
    driver = ZKTecoDriver(config(device, verify_codes=[15]))
    run(driver, sink, lambda: sink.position is not None and sink.position.startswith("2|"))
    assert [p.subject_ref for p in sink.punches] == ["1001"]
    assert driver.diagnostics()["skipped_verify_mode"] == 1


def test_a_truncated_record_loses_nothing(device: FakeZKDevice) -> None:
    device.add_records([("1001", BASE + timedelta(minutes=i)) for i in range(5)])
    device.faults.truncate_log_bytes = 15
    sink = RecordingSink()
    driver = ZKTecoDriver(config(device))
    run(driver, sink, lambda: len(sink.punches) >= 4)
    assert sink.position == "4|1001|2026-11-23 08:03:00"  # the cut record is read again next time
    device.faults.truncate_log_bytes = 0
    run(driver, sink, lambda: len(sink.punches) >= 5)
    assert [p.raw[RAW_CURSOR] for p in sink.punches] == ["0", "1", "2", "3", "4"]
    assert driver.diagnostics()["truncated_bytes"] == 40


def test_offline_once_then_back_online_after_a_hang(device: FakeZKDevice) -> None:
    sink, time = RecordingSink(), DrivenTime()
    driver = ZKTecoDriver(config(device, timeout_s=0.3, poll_interval_s=1, live_events=False), timing=time.timing)

    async def hang_then_recover() -> None:
        await eventually(lambda: bool(sink.statuses))
        device.faults.hang = True
        # The next poll finds it hanging; three reconnects (after 1 s, 2 s, 4 s) fail: still one offline report.
        await time.skip_until(lambda: driver.diagnostics()["reconnects"] == 3 and time.sleeping == 1)
        assert time.waits[-4:] == [1, 2, 4, 8]
        device.faults.hang = False
        await time.skip_until(lambda: len(sink.statuses) >= 3)

    run(driver, sink, lambda: len(sink.statuses) >= 3, during=hang_then_recover)
    assert [s.state for s in sink.statuses] == ["online", "offline", "online"]
    assert "no reply" in sink.statuses[1].detail
    assert driver.diagnostics()["reconnects"] == 4


def test_clock_is_corrected_only_when_asked(device: FakeZKDevice) -> None:
    device.clock_offset = timedelta(hours=-3)
    sink = RecordingSink()
    run(ZKTecoDriver(config(device)), sink, lambda: bool(sink.seen))
    assert device.clock_offset == timedelta(hours=-3)
    run(ZKTecoDriver(config(device, clock_sync_threshold_s=60)), sink, lambda: len(sink.seen) >= 2)
    assert abs(device.clock_offset.total_seconds()) < 5


def test_wall_time_text_is_the_natural_key_part() -> None:
    assert WallTime(2026, 2, 31, 8, 0, 0).text == "2026-02-31 08:00:00"


def test_the_comm_key_comes_from_the_systemd_credentials(
    device: FakeZKDevice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    device.comm_key = 654321
    (tmp_path / "WATCHD_ZK_KEY").write_text("654321\n", encoding="utf-8")
    monkeypatch.delenv("WATCHD_ZK_KEY", raising=False)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    info = asyncio.run(ZKTecoDriver(config(device, comm_key_env="WATCHD_ZK_KEY")).probe())
    assert info.serial == "ZKFAKE0001"
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path / "nowhere"))
    with pytest.raises(DeviceUnavailable, match="comm_key_env: secret WATCHD_ZK_KEY is not set"):
        asyncio.run(ZKTecoDriver(config(device, comm_key_env="WATCHD_ZK_KEY")).probe())


def test_with_a_plain_event_sink_punches_are_emitted_and_waited_for(device: FakeZKDevice) -> None:
    device.add_records([("1001", BASE + timedelta(minutes=i)) for i in range(30)])

    class QueueSink:
        """Refuses every other event, like a full queue: the driver must offer it again."""

        def __init__(self) -> None:
            self.events: list[DeviceEvent] = []
            self.refused = 0

        def emit(self, event: DeviceEvent) -> bool:
            if isinstance(event, CheckIn) and self.refused < 10 and len(self.events) % 2:
                self.refused += 1
                return False
            self.events.append(event)
            return True

    sink = QueueSink()

    async def main() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(ZKTecoDriver(config(device)).run(sink, stop))
        await eventually(lambda: sum(isinstance(e, CheckIn) for e in sink.events) >= 30)
        stop.set()
        await task

    asyncio.run(main())
    punches = [e for e in sink.events if isinstance(e, CheckIn)]
    assert len({p.event_id for p in punches}) == 30 and sink.refused == 10
