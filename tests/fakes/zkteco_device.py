"""A fake ZKTeco terminal on loopback that speaks the real binary protocol over TCP and UDP.

Test peer only (clearly fake): it runs its own asyncio loop in a daemon thread so tests, the
benchmark and a `watchd run` subprocess can all talk to it over real sockets. It keeps users and
an attendance log, answers the commands watchd uses, pushes live events to registered sessions,
and can misbehave on request (`faults`): wrong checksums, garbage, truncated records, hanging.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import struct
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from devices.terminal import WallTime
from devices.zkteco import protocol as p

ZONE = ZoneInfo("Asia/Shanghai")
# Commands watchd never sends but pyzk does before live capture; real terminals acknowledge them.
CMD_STARTVERIFY = 60
CMD_CANCELCAPTURE = 62
# A TCP terminal hands a read larger than this over as PREPARE_DATA(size, packet), CMD_DATA packets
# of this size, then ACK_OK (seen in pyzk's captures of real devices: 5044 bytes came as 1008-byte packets).
TCP_DATA_PACKET = 1008


@dataclass
class Faults:
    bad_checksum: bool = False  # every reply carries a wrong checksum
    garbage: bool = False  # TCP replies are not frames at all
    short_reply: bool = False  # replies shorter than a header
    hang: bool = False  # read requests, never answer
    truncate_log_bytes: int = 0  # the attendance table ends this many bytes early (a cut record)
    drop_udp_data: bool = False  # one UDP data packet of each transfer goes missing
    live_unsupported: bool = False  # REG_EVENT is refused


@dataclass
class _Session:
    session_id: int
    authed: bool
    send: Callable[[p.Packet], None]
    live: bool = False
    buffer: bytes = b""


@dataclass
class FakeZKDevice:
    serial: str = "ZKFAKE0001"
    model: str = "SpeedFace-V5L"
    firmware: str = "Ver 6.60 Apr 28 2016"
    record_size: int = 40
    user_size: int = 72
    comm_key: int = 0
    clock_offset: timedelta = timedelta(0)
    faults: Faults = field(default_factory=Faults)
    users: list[p.DeviceUser] = field(default_factory=list)
    records: list[p.AttendanceRecord] = field(default_factory=list)
    commands: list[int] = field(default_factory=list)
    tcp_port: int = 0
    udp_port: int = 0
    tcp_data_packet: int = TCP_DATA_PACKET
    tcp_packet_gap_s: float = 0.001  # a terminal's CPU paces the packets of a split read
    replies: list[int] = field(default_factory=list)  # the command of every packet sent, in order

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[int, _Session] = {}
        self._ids = itertools.count(0x1F2E)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stopping: asyncio.Event | None = None
        self.connections = 0
        self._punch_mid_read: list[tuple[str, WallTime]] = []

    # -- test control -------------------------------------------------------------------------

    def add_user(self, user_id: str, name: str = "") -> None:
        with self._lock:
            self.users.append(p.DeviceUser(len(self.users) + 1, user_id, name))

    def add_records(self, entries: Iterable[tuple[str, datetime | WallTime]], verify: int = 15, state: int = 0) -> None:
        with self._lock:
            uids = {u.user_id: u.uid for u in self.users}
            for user_id, at in entries:
                t = at if isinstance(at, WallTime) else WallTime.of(at)
                index = len(self.records)
                self.records.append(p.AttendanceRecord(index, uids.get(user_id, 0), user_id, t, verify, state))

    def punch_live(self, user_id: str, at: datetime | WallTime, verify: int = 15, state: int = 0) -> None:
        """A punch happens now: it goes into the log and to every session registered for events."""
        self.add_records([(user_id, at)], verify, state)
        t = at if isinstance(at, WallTime) else WallTime.of(at)
        event = p.encode_live_event(user_id, t, verify, state)
        loop = self._loop
        if loop is None:
            return
        with self._lock:
            targets = [s for s in self._sessions.values() if s.live]
        for s in targets:
            packet = p.Packet(p.CMD_REG_EVENT, s.session_id, 0, event)
            loop.call_soon_threadsafe(s.send, packet)

    def punch_during_next_read(self, user_id: str, at: datetime | WallTime) -> None:
        """A punch that happens while the next large TCP read is being sent: its live event
        arrives between two data packets (and it is in the log from then on)."""
        t = at if isinstance(at, WallTime) else WallTime.of(at)
        with self._lock:
            self._punch_mid_read.append((user_id, t))

    def device_clock(self) -> WallTime:
        return WallTime.of(datetime.now(ZONE) + self.clock_offset)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FakeZKDevice:
        self._thread = threading.Thread(target=self._serve_forever, name="fake-zkteco", daemon=True)
        self._thread.start()
        if not self._ready.wait(5):
            raise RuntimeError("fake ZKTeco device did not start")
        return self

    def stop(self) -> None:
        loop, stopping, self._loop = self._loop, self._stopping, None
        if loop is not None and stopping is not None:
            with contextlib.suppress(RuntimeError):  # already stopped
                loop.call_soon_threadsafe(stopping.set)
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> FakeZKDevice:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve_forever(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        server = await asyncio.start_server(self._tcp_client, "127.0.0.1", 0)
        self.tcp_port = server.sockets[0].getsockname()[1]
        udp, _proto = await self._loop.create_datagram_endpoint(
            lambda: _UdpServer(self), local_addr=("127.0.0.1", 0)
        )
        self.udp_port = udp.get_extra_info("sockname")[1]
        self._ready.set()
        await self._stopping.wait()
        server.close()
        udp.close()

    # -- transports ---------------------------------------------------------------------------

    async def _tcp_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        session: _Session | None = None

        def send(packet: p.Packet) -> None:
            if writer.is_closing():
                return
            if self.faults.garbage:
                writer.write(b"HTTP/1.0 400 Bad Request\r\n\r\n")
            else:
                payload = self._encode(packet)
                writer.write(p.TCP_TOP.pack(p.TCP_MAGIC, len(payload)) + payload)

        try:
            while True:
                top = await reader.readexactly(8)
                length = p.decode_tcp_top(top, max_payload=1 << 20)
                payload = await reader.readexactly(length)
                packet = p.decode_packet(payload)
                if self.faults.hang:
                    continue
                session = self._handle(packet, session, send, udp=False)
                await writer.drain()
                if packet.command == p.CMD_EXIT:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, p.ProtocolError):
            pass
        finally:
            if session is not None:
                with self._lock:
                    self._sessions.pop(session.session_id, None)
            writer.close()

    def _encode(self, packet: p.Packet) -> bytes:
        payload = packet.encode()
        if self.faults.short_reply:
            return payload[:5]
        if self.faults.bad_checksum:
            return payload[:2] + bytes((payload[2] ^ 0x55, payload[3])) + payload[4:]
        return payload

    # -- protocol -----------------------------------------------------------------------------

    def _handle(
        self, packet: p.Packet, session: _Session | None, send: Callable[[p.Packet], None], *, udp: bool
    ) -> _Session | None:
        self.commands.append(packet.command)
        cmd = packet.command

        def answer(command: int, data: bytes = b"", sid: int | None = None, reply_id: int | None = None) -> None:
            if sid is None:
                sid = session.session_id if session is not None else 0
            self.replies.append(command)
            send(p.Packet(command, sid, packet.reply_id if reply_id is None else reply_id, data))

        if cmd == p.CMD_CONNECT:
            sid = next(self._ids)
            session = _Session(sid, authed=self.comm_key == 0, send=send)
            with self._lock:
                self._sessions[sid] = session
            answer(p.CMD_ACK_OK if session.authed else p.CMD_ACK_UNAUTH, sid=sid)
            return session
        if session is None:
            answer(p.CMD_ACK_UNAUTH)
            return None
        if cmd == p.CMD_AUTH:
            session.authed = packet.data == p.make_commkey(self.comm_key, session.session_id)
            answer(p.CMD_ACK_OK if session.authed else p.CMD_ACK_UNAUTH)
            return session
        if not session.authed:
            answer(p.CMD_ACK_UNAUTH)
            return session
        if cmd == p.CMD_ACK_OK:
            return session  # the client acknowledging a live event
        if cmd == p.CMD_EXIT:
            answer(p.CMD_ACK_OK)
        elif cmd == p.CMD_OPTIONS_RRQ:
            name = packet.data.split(b"\x00", 1)[0].decode()
            values = {"~SerialNumber": self.serial, "~DeviceName": self.model, "~Platform": "ZMM220_TFT"}
            if name in values:
                answer(p.CMD_ACK_OK, f"{name}={values[name]}\x00".encode())
            else:
                answer(p.CMD_ACK_ERROR)
        elif cmd == p.CMD_GET_VERSION:
            answer(p.CMD_ACK_OK, self.firmware.encode() + b"\x00")
        elif cmd == p.CMD_GET_TIME:
            answer(p.CMD_ACK_OK, struct.pack("<I", p.encode_time(self.device_clock())))
        elif cmd == p.CMD_SET_TIME:
            t = p.decode_time_bytes(packet.data[:4])
            self.clock_offset = t.in_zone(ZONE) - datetime.now(ZONE)
            answer(p.CMD_ACK_OK)
        elif cmd == p.CMD_GET_FREE_SIZES:
            with self._lock:
                fields = [0] * 20
                fields[4], fields[8] = len(self.users), len(self.records)
                fields[15], fields[16] = 3000, 100000
            answer(p.CMD_ACK_OK, struct.pack("<20i", *fields) + struct.pack("<3i", 0, 0, 0))
        elif cmd in (p.CMD_DISABLEDEVICE, p.CMD_ENABLEDEVICE, p.CMD_FREE_DATA, CMD_STARTVERIFY, CMD_CANCELCAPTURE):
            session.buffer = b"" if cmd == p.CMD_FREE_DATA else session.buffer
            answer(p.CMD_ACK_OK)
        elif cmd == p.CMD_REG_EVENT:
            if self.faults.live_unsupported:
                answer(p.CMD_ACK_ERROR)
            else:
                session.live = bool(struct.unpack("<I", packet.data[:4])[0] & p.EF_ATTLOG)
                answer(p.CMD_ACK_OK)
        elif cmd == p.CMD_PREPARE_BUFFER:
            _one, table, _fct, _ext = struct.unpack("<bhii", packet.data[:11])
            with self._lock:
                if table == p.CMD_ATTLOG_RRQ:
                    data = p.encode_attendance(self.records, self.record_size)
                    if self.faults.truncate_log_bytes:
                        data = data[: len(data) - self.faults.truncate_log_bytes]
                elif table == p.CMD_USERTEMP_RRQ:
                    data = p.encode_users(self.users, self.user_size)
                else:
                    data = b""
            if len(data) <= 64:
                answer(p.CMD_DATA, data)  # small tables come back at once, as on real devices
            else:
                session.buffer = data
                answer(p.CMD_ACK_OK, b"\x00" + struct.pack("<I", len(data)) + b"\x00" * 4)
        elif cmd == p.CMD_READ_BUFFER:
            start, size = struct.unpack("<ii", packet.data[:8])
            chunk = session.buffer[start : start + size]
            if not udp and len(chunk) <= self.tcp_data_packet:
                answer(p.CMD_DATA, chunk)
            elif not udp:  # a large read: announced, then split into paced packets, then acknowledged
                answer(p.CMD_PREPARE_DATA, struct.pack("<II", len(chunk), self.tcp_data_packet))
                steps: list[Callable[[], None]] = []
                for offset in range(0, len(chunk), self.tcp_data_packet):
                    part = chunk[offset : offset + self.tcp_data_packet]
                    steps.append(lambda part=part: answer(p.CMD_DATA, part))  # type: ignore[misc]
                    if offset == 0 and session.live:
                        steps.append(lambda: self._live_mid_read(answer))
                steps.append(lambda: answer(p.CMD_ACK_OK))
                loop = asyncio.get_running_loop()
                for i, step in enumerate(steps, start=1):
                    loop.call_later(i * self.tcp_packet_gap_s, step)
            else:
                answer(p.CMD_PREPARE_DATA, struct.pack("<I", len(chunk)))
                for i, offset in enumerate(range(0, len(chunk), 1024)):
                    if self.faults.drop_udp_data and i == 1:
                        continue
                    answer(p.CMD_DATA, chunk[offset : offset + 1024])
                answer(p.CMD_ACK_OK)
        else:
            answer(p.CMD_ACK_UNKNOWN)
        return session


    def _live_mid_read(self, answer: Callable[..., None]) -> None:
        with self._lock:
            punches, self._punch_mid_read = self._punch_mid_read, []
        for user_id, t in punches:
            self.add_records([(user_id, t)])
            answer(p.CMD_REG_EVENT, p.encode_live_event(user_id, t), reply_id=0)


class _UdpServer(asyncio.DatagramProtocol):
    def __init__(self, device: FakeZKDevice) -> None:
        self.device = device
        self.transport: asyncio.DatagramTransport | None = None
        self.sessions: dict[tuple[str, int], _Session | None] = {}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        device = self.device
        try:
            packet = p.decode_packet(data)
        except p.ProtocolError:
            return
        if device.faults.hang:
            return

        def send(reply: p.Packet) -> None:
            if self.transport is not None:
                self.transport.sendto(device._encode(reply), addr)

        session = self.sessions.get(addr)
        self.sessions[addr] = device._handle(packet, session, send, udp=True)
