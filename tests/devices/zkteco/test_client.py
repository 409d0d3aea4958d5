"""The protocol client against a fake terminal over real TCP and UDP sockets, including bad devices."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest

from devices.contracts import DeviceAuthError, DeviceUnavailable
from devices.zkteco import protocol as p
from devices.zkteco.client import ClientLimits, Transport, ZKClient
from tests.devices.zkteco.conftest import BASE
from tests.fakes.zkteco_device import FakeZKDevice

TRANSPORTS: list[Transport] = ["tcp", "udp"]


def client(dev: FakeZKDevice, transport: Transport, *, timeout: float = 2.0, comm_key: int = 0) -> ZKClient:
    port = dev.tcp_port if transport == "tcp" else dev.udp_port
    return ZKClient("127.0.0.1", port, transport=transport, comm_key=comm_key, limits=ClientLimits(timeout=timeout))


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_reads_identity_clock_users_and_a_long_log(device: FakeZKDevice, transport: Transport) -> None:
    device.add_records([("1001" if i % 2 else "1002", BASE + timedelta(minutes=i)) for i in range(2500)])

    async def main() -> tuple[str, str, p.ParsedLog, list[p.DeviceUser]]:
        async with client(device, transport) as c:
            sizes = await c.sizes()
            users = await c.users(sizes.users)
            log = await c.attendance(sizes.records, {u.uid: u.user_id for u in users})
            return await c.option("~SerialNumber"), await c.firmware(), log, users

    serial, firmware, log, users = asyncio.run(main())
    assert serial == "ZKFAKE0001"
    assert firmware.startswith("Ver 6.60")
    assert [u.name for u in users] == ["其其格", "巴特尔"]
    assert len(log.records) == 2500
    assert log.records[-1].time.text == "2026-11-25 01:39:00"
    assert log.records[1].user_id == "1001"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_live_events_arrive_as_they_happen(device: FakeZKDevice, transport: Transport) -> None:
    async def main() -> list[p.LiveEvent]:
        async with client(device, transport) as c:
            assert await c.register_live()
            device.punch_live("1002", BASE)
            return await c.live_events(wait=2)

    events = asyncio.run(main())
    assert [(e.user_id, e.time.text) for e in events] == [("1002", "2026-11-23 08:00:00")]


def test_comm_key_is_sent_and_a_wrong_one_refused(device: FakeZKDevice) -> None:
    device.comm_key = 123456

    async def connect(key: int) -> str:
        async with client(device, "tcp", comm_key=key) as c:
            return await c.option("~SerialNumber")

    assert asyncio.run(connect(123456)) == "ZKFAKE0001"
    with pytest.raises(DeviceAuthError, match="refused the comm key"):
        asyncio.run(connect(1))


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_wrong_checksums_are_refused(device: FakeZKDevice, transport: Transport) -> None:
    device.faults.bad_checksum = True
    with pytest.raises(p.ProtocolError, match=r"127\.0\.0\.1:\d+: wrong checksum in a packet with command 2000"):
        asyncio.run(client(device, transport).connect())


def test_a_reply_that_is_not_a_frame_is_malformed(device: FakeZKDevice) -> None:
    device.faults.garbage = True
    with pytest.raises(p.ProtocolError, match="malformed frame: starts with 48545450"):
        asyncio.run(client(device, "tcp").connect())


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_reply_shorter_than_a_header_is_malformed(device: FakeZKDevice, transport: Transport) -> None:
    device.faults.short_reply = True
    with pytest.raises(DeviceUnavailable, match="malformed"):
        asyncio.run(client(device, transport).connect())


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_device_that_hangs_costs_one_timeout(device: FakeZKDevice, transport: Transport) -> None:
    device.faults.hang = True
    started = time.monotonic()
    with pytest.raises(DeviceUnavailable, match=r"no reply to command 1000 within 0\.5 s"):
        asyncio.run(client(device, transport, timeout=0.5).connect())
    assert time.monotonic() - started < 2


def test_a_lost_udp_data_packet_is_a_truncated_transfer(device: FakeZKDevice) -> None:
    device.add_records([("1001", BASE + timedelta(minutes=i)) for i in range(200)])
    device.faults.drop_udp_data = True

    async def main() -> None:
        async with client(device, "udp", timeout=0.5) as c:
            await c.attendance(200, {})

    with pytest.raises(p.ProtocolError, match=r"truncated data: asked for 8004 bytes at offset 0, got \d+"):
        asyncio.run(main())


def test_nothing_listens(device: FakeZKDevice) -> None:
    port = device.tcp_port
    device.stop()
    with pytest.raises(DeviceUnavailable, match="cannot connect"):
        asyncio.run(ZKClient("127.0.0.1", port, limits=ClientLimits(timeout=1)).connect())


def test_a_large_tcp_read_arrives_split_into_packets_with_a_punch_in_between(device: FakeZKDevice) -> None:
    """Real TCP terminals answer a large read with PREPARE_DATA, 1008-byte DATA packets and ACK_OK,
    and a live event can come between two of them: the client assembles the table and keeps the event."""
    device.add_records([("1001", BASE + timedelta(minutes=i)) for i in range(2000)])  # 80 KB: two reads
    device.punch_during_next_read("1002", BASE + timedelta(days=3))

    async def main() -> tuple[p.ParsedLog, list[p.LiveEvent]]:
        async with client(device, "tcp") as c:
            assert await c.register_live()
            log = await c.attendance(2000, {})
            return log, await c.live_events(wait=0)

    log, events = asyncio.run(main())
    assert len(log.records) == 2000 and log.records[-1].time.text == "2026-11-24 17:19:00"
    assert [(e.user_id, e.time.text) for e in events] == [("1002", "2026-11-26 08:00:00")]
    assert device.replies.count(p.CMD_PREPARE_DATA) == 2  # 65472 + 14532 bytes
    assert device.replies.count(p.CMD_DATA) == 65 + 15
