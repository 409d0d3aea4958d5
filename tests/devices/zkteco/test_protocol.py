"""The ZKTeco packet format: golden vectors, checksums, times and record layouts."""

from __future__ import annotations

import struct

import pytest

from devices.terminal import WallTime
from devices.zkteco import protocol as p


def test_connect_packet_and_device_ack_match_the_golden_vectors() -> None:
    assert p.Packet(p.CMD_CONNECT, 0, 0).frame().hex() == "5050827d08000000e80317fc00000000"
    ack = bytes.fromhex("5050827d08000000d007fffc2ffb0000")
    length = p.decode_tcp_top(ack[:8], max_payload=1024)
    reply = p.decode_packet(ack[8 : 8 + length])
    assert (reply.command, reply.session_id, reply.reply_id) == (p.CMD_ACK_OK, 0xFB2F, 0)


def test_checksum_of_the_published_vector_with_an_odd_length() -> None:
    assert p.checksum(bytes.fromhex("d0070000f38d0a0009")) == 0x6A29


def test_a_wrong_checksum_is_refused_with_the_values() -> None:
    payload = bytearray(p.Packet(p.CMD_ACK_OK, 7, 3, b"abc").encode())
    payload[2] ^= 0x01
    with pytest.raises(p.ProtocolError, match=r"wrong checksum in a packet with command 2000: got 0x"):
        p.decode_packet(bytes(payload))
    assert p.decode_packet(bytes(payload), verify=False).data == b"abc"


def test_malformed_frames_and_packets_are_named() -> None:
    with pytest.raises(p.ProtocolError, match="a header needs 8"):
        p.decode_packet(b"\xd0\x07\x00")
    with pytest.raises(p.ProtocolError, match="starts with 48545450"):
        p.decode_tcp_top(b"HTTP/1.0", max_payload=1024)
    with pytest.raises(p.ProtocolError, match="payload length 99999"):
        p.decode_tcp_top(p.TCP_MAGIC + struct.pack("<I", 99999), max_payload=1024)


def test_packed_time_round_trips_and_an_impossible_day_survives_decoding() -> None:
    t = WallTime(2026, 11, 23, 8, 1, 2)
    assert p.decode_time(p.encode_time(t)) == t
    feb31 = p.decode_time(p.encode_time(WallTime(2026, 2, 31, 8, 0, 0)))
    assert feb31.text == "2026-02-31 08:00:00"  # kept as the device said; the core quarantines it
    assert p.decode_timehex(p.encode_timehex(t)) == t


@pytest.mark.parametrize("size", [40, 16, 8])
def test_attendance_layouts_round_trip(size: int) -> None:
    records = [
        p.AttendanceRecord(0, 1, "1001", WallTime(2026, 11, 23, 8, 0, 0), 15, 0),
        p.AttendanceRecord(1, 2, "1002", WallTime(2026, 11, 23, 8, 5, 9), 1, 1),
    ]
    data = p.encode_attendance(records, size)
    log = p.parse_attendance(data, 2, {1: "1001", 2: "1002"})
    assert log.record_size == size
    assert [(r.user_id, r.time, r.verify, r.state) for r in log.records] == [
        (r.user_id, r.time, r.verify, r.state) for r in records
    ]
    assert log.trailing_bytes == 0


def test_a_truncated_record_is_reported_and_the_whole_ones_kept() -> None:
    records = [p.AttendanceRecord(i, 1, "1001", WallTime(2026, 11, 23, 8, i, 0), 15, 0) for i in range(3)]
    data = p.encode_attendance(records)[:-15]
    log = p.parse_attendance(data, 3)
    assert [r.index for r in log.records] == [0, 1]
    assert log.trailing_bytes == 40


def test_user_tables_round_trip_with_chinese_names() -> None:
    users = [p.DeviceUser(1, "1001", "其其格"), p.DeviceUser(2, "1002", "巴特尔")]
    assert p.parse_users(p.encode_users(users), 2) == users


def test_live_events_of_each_layout() -> None:
    t = WallTime(2026, 11, 23, 8, 0, 1)
    one = p.encode_live_event("1001", t, 15, 0)
    assert list(p.parse_live_events(one)) == [p.LiveEvent("1001", t, 15, 0)]
    two = list(p.parse_live_events(one + p.encode_live_event("1002", t, 1, 1)))
    assert [e.user_id for e in two] == ["1001", "1002"]
    short = struct.pack("<HBB6s", 7, 15, 0, p.encode_timehex(t))
    assert list(p.parse_live_events(short)) == [p.LiveEvent("7", t, 15, 0)]
    with pytest.raises(p.ProtocolError, match="malformed live event: 5 bytes"):
        list(p.parse_live_events(b"12345"))


def test_option_replies() -> None:
    assert p.parse_option(b"~SerialNumber=ABC123\x00", "~SerialNumber") == "ABC123"
    with pytest.raises(p.ProtocolError, match="malformed option reply"):
        p.parse_option(b"garbage\x00", "~SerialNumber")
