"""The ZKTeco "pull" protocol (TCP/UDP 4370): packets, checksums, times and record layouts.

Written from the public protocol description (adrobinoga/zk-protocol) and the struct layouts
documented in the reference notes; no code from pyzk (GPL-2.0). Pure functions, no I/O.

    TCP frame:  50 50 82 7d | payload length: uint32 LE | payload
    UDP:        payload only
    payload:    command: uint16 | checksum: uint16 | session id: uint16 | reply id: uint16 | data
    checksum:   ones-complement of the ones-complement sum of the payload's 16-bit LE words
                (checksum field zero; an odd last byte counts as its own value)

Golden vectors: CMD_CONNECT from a fresh client is 5050827d08000000e80317fc00000000; a device's
ACK_OK 5050827d08000000d007fffc2ffb0000 carries session id 0xfb2f.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

from devices.contracts import DeviceUnavailable
from devices.terminal import Method, WallTime

CMD_CONNECT = 1000
CMD_EXIT = 1001
CMD_ENABLEDEVICE = 1002
CMD_DISABLEDEVICE = 1003
CMD_GET_VERSION = 1100
CMD_AUTH = 1102
CMD_PREPARE_DATA = 1500
CMD_DATA = 1501
CMD_FREE_DATA = 1502
CMD_PREPARE_BUFFER = 1503
CMD_READ_BUFFER = 1504
CMD_USERTEMP_RRQ = 9
CMD_OPTIONS_RRQ = 11
CMD_ATTLOG_RRQ = 13
CMD_GET_FREE_SIZES = 50
CMD_GET_TIME = 201
CMD_SET_TIME = 202
CMD_REG_EVENT = 500
CMD_ACK_OK = 2000
CMD_ACK_ERROR = 2001
CMD_ACK_DATA = 2002
CMD_ACK_UNAUTH = 2005
CMD_ACK_UNKNOWN = 0xFFFF

EF_ATTLOG = 1
FCT_USER = 5
USHRT_MAX = 0xFFFF
TCP_MAGIC = b"\x50\x50\x82\x7d"
HEADER = struct.Struct("<4H")
TCP_TOP = struct.Struct("<4sI")
# The reply id a fresh client starts from: its first packet then carries reply id 0 (golden vector).
FIRST_REPLY_ID = 0

ATTLOG_RECORD_SIZES = (40, 16, 8)
USER_RECORD_SIZES = (72, 28)
LIVE_EVENT_SIZES = (10, 12, 14, 32, 36, 37, 52)


class ProtocolError(DeviceUnavailable):
    """The device sent something that does not follow the protocol (malformed, bad checksum, truncated)."""


def checksum(payload_without_checksum: bytes) -> int:
    """Ones-complement checksum of a payload whose checksum field (bytes 2-3) is zero."""
    total = 0
    data = payload_without_checksum
    for i in range(0, len(data) - 1, 2):
        total += data[i] | (data[i + 1] << 8)
        if total > USHRT_MAX:
            total -= USHRT_MAX
    if len(data) % 2:
        total += data[-1]
        while total > USHRT_MAX:
            total -= USHRT_MAX
    return USHRT_MAX - total


@dataclass(frozen=True, slots=True)
class Packet:
    command: int
    session_id: int
    reply_id: int
    data: bytes = b""

    def encode(self) -> bytes:
        """The payload with its checksum (what UDP sends; TCP wraps it in `frame`)."""
        blank = HEADER.pack(self.command, 0, self.session_id, self.reply_id) + self.data
        return HEADER.pack(self.command, checksum(blank), self.session_id, self.reply_id) + self.data

    def frame(self) -> bytes:
        payload = self.encode()
        return TCP_TOP.pack(TCP_MAGIC, len(payload)) + payload


def decode_packet(payload: bytes, *, verify: bool = True) -> Packet:
    """Parse one payload; ProtocolError when it is too short or its checksum is wrong."""
    if len(payload) < HEADER.size:
        raise ProtocolError(f"malformed packet: {len(payload)} bytes, a header needs {HEADER.size}")
    command, sent, session_id, reply_id = HEADER.unpack_from(payload)
    if verify:
        expected = checksum(payload[:2] + b"\x00\x00" + payload[4:])
        if sent != expected:
            raise ProtocolError(
                f"wrong checksum in a packet with command {command}: got 0x{sent:04x}, computed 0x{expected:04x}"
            )
    return Packet(command, session_id, reply_id, payload[HEADER.size :])


def decode_tcp_top(top: bytes, *, max_payload: int) -> int:
    """Payload length from the 8-byte TCP frame header; ProtocolError when it is not one."""
    if len(top) != TCP_TOP.size:
        raise ProtocolError(f"truncated frame header: {len(top)} of {TCP_TOP.size} bytes")
    magic, length = TCP_TOP.unpack(top)
    if magic != TCP_MAGIC:
        raise ProtocolError(f"malformed frame: starts with {magic.hex()}, expected {TCP_MAGIC.hex()}")
    if length < HEADER.size or length > max_payload:
        raise ProtocolError(f"malformed frame: payload length {length} outside {HEADER.size}..{max_payload}")
    return int(length)


def next_reply_id(reply_id: int) -> int:
    return (reply_id + 1) % USHRT_MAX


# -- time -----------------------------------------------------------------------------------


def encode_time(t: WallTime) -> int:
    """The device's packed time: seconds in a calendar of 12 months of 31 days from 2000."""
    days = ((t.year % 100) * 12 * 31) + ((t.month - 1) * 31) + t.day - 1
    return days * 86400 + (t.hour * 60 + t.minute) * 60 + t.second


def decode_time(value: int) -> WallTime:
    """Inverse of `encode_time`. The result may name a day that does not exist (31 February)."""
    second, value = value % 60, value // 60
    minute, value = value % 60, value // 60
    hour, value = value % 24, value // 24
    day, value = value % 31 + 1, value // 31
    month, value = value % 12 + 1, value // 12
    return WallTime(value + 2000, month, day, hour, minute, second)


def decode_time_bytes(raw: bytes) -> WallTime:
    if len(raw) != 4:
        raise ProtocolError(f"a packed time needs 4 bytes, got {len(raw)}")
    return decode_time(struct.unpack("<I", raw)[0])


def decode_timehex(raw: bytes) -> WallTime:
    """The 6-byte time of live events: YY MM DD hh mm ss (year from 2000)."""
    if len(raw) != 6:
        raise ProtocolError(f"an event time needs 6 bytes, got {len(raw)}")
    yy, mm, dd, hh, mi, ss = raw
    return WallTime(2000 + yy, mm, dd, hh, mi, ss)


def encode_timehex(t: WallTime) -> bytes:
    return bytes((t.year - 2000, t.month, t.day, t.hour, t.minute, t.second))


# -- authentication -------------------------------------------------------------------------


def make_commkey(key: int, session_id: int, ticks: int = 50) -> bytes:
    """The CMD_AUTH payload for a numeric comm key (the device's "communication password")."""
    reversed_bits = int(f"{key & 0xFFFFFFFF:032b}"[::-1], 2)
    k = (reversed_bits + session_id) & 0xFFFFFFFF
    b = bytearray(struct.pack("<I", k))
    b = bytearray((b[0] ^ ord("Z"), b[1] ^ ord("K"), b[2] ^ ord("S"), b[3] ^ ord("O")))
    b = b[2:4] + b[0:2]  # swap the two 16-bit halves
    t = ticks & 0xFF
    return bytes((b[0] ^ t, b[1] ^ t, t, b[3] ^ t))


# -- data records ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AttendanceRecord:
    index: int  # position in the device log, from 0
    uid: int | None  # the device's internal user number (8- and 40-byte layouts)
    user_id: str  # the user id people know (enrolment number); may be empty in 8-byte records
    time: WallTime
    verify: int  # how the person was verified: 1 fingerprint, 3 password, 4 card, 15 face, ...
    state: int  # the key pressed: 0 check-in, 1 check-out, 2 break-out, 3 break-in, 4/5 overtime


@dataclass(frozen=True, slots=True)
class DeviceUser:
    uid: int
    user_id: str
    name: str


@dataclass(frozen=True, slots=True)
class Sizes:
    users: int
    records: int
    users_capacity: int = 0
    records_capacity: int = 0


@dataclass(frozen=True, slots=True)
class ParsedLog:
    records: list[AttendanceRecord]
    record_size: int
    declared_bytes: int
    trailing_bytes: int  # bytes after the last whole record (a truncated record)


def parse_sizes(data: bytes) -> Sizes:
    if len(data) < 80:
        raise ProtocolError(f"malformed size report: {len(data)} bytes, expected at least 80")
    fields = struct.unpack("<20i", data[:80])
    return Sizes(users=fields[4], records=fields[8], users_capacity=fields[15], records_capacity=fields[16])


def _text(raw: bytes) -> str:
    raw = raw.split(b"\x00", 1)[0]
    try:
        return raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace").strip()


def _split_table(data: bytes, what: str) -> tuple[int, bytes]:
    """A buffer read starts with the byte count of the records that follow."""
    if len(data) < 4:
        raise ProtocolError(f"truncated {what}: {len(data)} bytes, no size field")
    declared = struct.unpack("<I", data[:4])[0]
    return int(declared), data[4:]


def _record_size(declared: int, count: int, sizes: tuple[int, ...]) -> int:
    if count > 0 and declared % count == 0 and declared // count in sizes:
        return declared // count
    for size in sizes:
        if declared % size == 0:
            return size
    return sizes[0]


def parse_attendance(data: bytes, count_hint: int, uid_to_user: dict[int, str] | None = None) -> ParsedLog:
    """Records of an ATTLOG buffer; `count_hint` is the record count the device reported.

    Whole records are returned even when the buffer ends early; `trailing_bytes` counts the
    partial record at the end, which is never guessed at.
    """
    declared, body = _split_table(data, "attendance log")
    size = _record_size(declared, count_hint, ATTLOG_RECORD_SIZES)
    usable = min(declared, len(body))
    whole = usable // size
    records = [
        _attendance_record(i, body[i * size : (i + 1) * size], size, uid_to_user or {}) for i in range(whole)
    ]
    return ParsedLog(records, size, declared, usable - whole * size + max(0, declared - len(body)))


def _attendance_record(index: int, raw: bytes, size: int, users: dict[int, str]) -> AttendanceRecord:
    if size == 40:
        uid, user_id, verify, t, state, _pad = struct.unpack("<H24sB4sB8s", raw)
        text = _text(user_id)
        return AttendanceRecord(index, uid, text or users.get(uid, str(uid)), decode_time_bytes(t), verify, state)
    if size == 16:
        user_no, t, verify, state, _res, _workcode = struct.unpack("<I4sBB2sI", raw)
        return AttendanceRecord(index, None, str(user_no), decode_time_bytes(t), verify, state)
    uid, verify, t, state = struct.unpack("<HB4sB", raw)
    return AttendanceRecord(index, uid, users.get(uid, str(uid)), decode_time_bytes(t), verify, state)


def encode_attendance(records: list[AttendanceRecord], size: int = 40) -> bytes:
    """The ATTLOG buffer a device sends (used by the fake device and in tests)."""
    body = bytearray()
    for r in records:
        t = struct.pack("<I", encode_time(r.time))
        if size == 40:
            body += struct.pack("<H24sB4sB8s", r.uid or 0, r.user_id.encode(), r.verify, t, r.state, b"")
        elif size == 16:
            body += struct.pack("<I4sBB2sI", int(r.user_id), t, r.verify, r.state, b"", 0)
        else:
            body += struct.pack("<HB4sB", r.uid or 0, r.verify, t, r.state)
    return struct.pack("<I", len(body)) + bytes(body)


def parse_users(data: bytes, count_hint: int) -> list[DeviceUser]:
    declared, body = _split_table(data, "user table")
    size = _record_size(declared, count_hint, USER_RECORD_SIZES)
    usable = min(declared, len(body))
    users: list[DeviceUser] = []
    for i in range(usable // size):
        raw = body[i * size : (i + 1) * size]
        if size == 72:
            uid, _priv, _pw, name, _card, _group, user_id = struct.unpack("<HB8s24sIx7sx24s", raw)
            users.append(DeviceUser(uid, _text(user_id), _text(name)))
        else:
            uid, _priv, _pw, name, _card, _group, _tz, user_no = struct.unpack("<HB5s8sIxBhI", raw)
            users.append(DeviceUser(uid, str(user_no), _text(name)))
    return users


def encode_users(users: list[DeviceUser], size: int = 72) -> bytes:
    body = bytearray()
    for u in users:
        if size == 72:
            body += struct.pack(
                "<HB8s24sIx7sx24s", u.uid, 0, b"", u.name.encode()[:24], 0, b"", u.user_id.encode()[:24]
            )
        else:
            body += struct.pack("<HB5s8sIxBhI", u.uid, 0, b"", u.name.encode()[:8], 0, 0, 0, int(u.user_id))
    return struct.pack("<I", len(body)) + bytes(body)


# -- live events ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LiveEvent:
    user_id: str
    time: WallTime
    verify: int
    state: int


def parse_live_events(data: bytes) -> Iterator[LiveEvent]:
    """Attendance events in a CMD_REG_EVENT packet (one or several of a known size)."""
    if len(data) in LIVE_EVENT_SIZES:
        size = len(data)
    elif len(data) >= 52 and len(data) % 52 == 0:
        size = 52
    elif len(data) % 32 == 0 and len(data) >= 32:
        size = 32
    else:
        raise ProtocolError(f"malformed live event: {len(data)} bytes match no known layout")
    for start in range(0, len(data), size):
        yield _live_event(data[start : start + size])


def _live_event(raw: bytes) -> LiveEvent:
    size = len(raw)
    if size == 10:
        user_no, verify, state, t = struct.unpack("<HBB6s", raw)
        user = str(user_no)
    elif size == 12:
        user_no, verify, state, t = struct.unpack("<IBB6s", raw)
        user = str(user_no)
    elif size == 14:
        user_no, verify, state, t, _other = struct.unpack("<HBB6s4s", raw)
        user = str(user_no)
    else:
        user_raw, verify, state, t = struct.unpack("<24sBB6s", raw[:32])
        user = _text(user_raw)
    return LiveEvent(user, decode_timehex(t), verify, state)


def encode_live_event(user_id: str, time: WallTime, verify: int = 15, state: int = 0) -> bytes:
    """A 32-byte live attendance event (TFT / face devices)."""
    return struct.pack("<24sBB6s", user_id.encode()[:24], verify, state, encode_timehex(time))


# -- options --------------------------------------------------------------------------------


def parse_option(data: bytes, name: str) -> str:
    """The value of '~Name=value\\0' as devices answer CMD_OPTIONS_RRQ."""
    text = _text(data)
    key, sep, value = text.partition("=")
    if not sep or key.strip() != name:
        raise ProtocolError(f"malformed option reply for {name}: {text[:60]!r}")
    return value.strip()


VERIFY_METHODS: dict[int, Method] = {0: "pin", 1: "fingerprint", 2: "card", 3: "pin", 4: "card", 15: "face"}
STATE_NAMES: dict[int, str] = {
    0: "check_in", 1: "check_out", 2: "break_out", 3: "break_in", 4: "overtime_in", 5: "overtime_out", 255: "undefined",
}
