"""A small asyncio client for the ZKTeco pull protocol over TCP or UDP.

Every request waits at most `timeout` seconds for its reply, so a device that hangs costs one
timeout, never a stuck task. Anything the device sends that breaks the protocol raises
`ProtocolError` (a `DeviceUnavailable`) naming what was wrong; the session is then abandoned and
the driver reconnects later. The client never clears the device log and never disables the
device (a crash could leave a village without its terminal).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
from collections import deque
from dataclasses import dataclass
from typing import Literal

from devices.contracts import DeviceAuthError, DeviceUnavailable
from devices.terminal import WallTime
from devices.zkteco import protocol as p

_LOGGER = logging.getLogger(__name__)
Transport = Literal["tcp", "udp"]
UDP_CHUNK = 16 * 1024
TCP_CHUNK = 0xFFC0
MAX_LIVE_BACKLOG = 1000


@dataclass(frozen=True, slots=True)
class ClientLimits:
    timeout: float = 5.0
    max_buffer_bytes: int = 64 * 1024 * 1024  # the largest log or user table accepted
    verify_checksums: bool = True


class _Channel:
    """Sends payloads and yields received payloads, one packet at a time."""

    async def send(self, payload: bytes) -> None:
        raise NotImplementedError

    async def recv(self, wait_s: float) -> bytes:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class _TcpChannel(_Channel):
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, max_payload: int) -> None:
        self._reader = reader
        self._writer = writer
        self._max_payload = max_payload

    async def send(self, payload: bytes) -> None:
        self._writer.write(p.TCP_TOP.pack(p.TCP_MAGIC, len(payload)) + payload)
        await self._writer.drain()

    async def recv(self, wait_s: float) -> bytes:
        async with asyncio.timeout(wait_s):
            try:
                top = await self._reader.readexactly(p.TCP_TOP.size)
                length = p.decode_tcp_top(top, max_payload=self._max_payload)
                return await self._reader.readexactly(length)
            except asyncio.IncompleteReadError as exc:
                raise ProtocolErrorClosed(len(exc.partial)) from None

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(Exception):
            await self._writer.wait_closed()


class ProtocolErrorClosed(p.ProtocolError):
    def __init__(self, got: int) -> None:
        super().__init__(f"the device closed the connection (after {got} bytes of a packet)")


class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=4096)
        self.dropped = 0

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        try:
            self.queue.put_nowait(data)
        except asyncio.QueueFull:
            self.dropped += 1

    def error_received(self, exc: Exception) -> None:
        _LOGGER.debug("UDP error: %s", exc)


class _UdpChannel(_Channel):
    def __init__(self, transport: asyncio.DatagramTransport, protocol: _UdpProtocol) -> None:
        self._transport = transport
        self._protocol = protocol

    async def send(self, payload: bytes) -> None:
        self._transport.sendto(payload)

    async def recv(self, wait_s: float) -> bytes:
        async with asyncio.timeout(wait_s):
            return await self._protocol.queue.get()

    async def close(self) -> None:
        self._transport.close()


class ZKClient:
    """One session with one device. Use `async with ZKClient(...) as c:`."""

    def __init__(
        self, host: str, port: int, *, transport: Transport = "tcp", comm_key: int = 0,
        limits: ClientLimits | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.transport = transport
        self.comm_key = comm_key
        self.limits = limits or ClientLimits()
        self.session_id = 0
        self._reply_id = p.USHRT_MAX - 1
        self._channel: _Channel | None = None
        self._live: deque[p.LiveEvent] = deque(maxlen=MAX_LIVE_BACKLOG)
        self.live_registered = False

    @property
    def where(self) -> str:
        return f"{self.transport}://{self.host}:{self.port}"

    async def __aenter__(self) -> ZKClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- session ------------------------------------------------------------------------------

    async def connect(self) -> None:
        timeout = self.limits.timeout
        try:
            async with asyncio.timeout(timeout):
                if self.transport == "tcp":
                    reader, writer = await asyncio.open_connection(self.host, self.port)
                    self._channel = _TcpChannel(reader, writer, self.limits.max_buffer_bytes + 64)
                else:
                    loop = asyncio.get_running_loop()
                    udp, proto = await loop.create_datagram_endpoint(
                        _UdpProtocol, remote_addr=(self.host, self.port)
                    )
                    self._channel = _UdpChannel(udp, proto)
        except TimeoutError:
            raise DeviceUnavailable(f"{self.where}: no connection within {timeout:g} s") from None
        except OSError as exc:
            raise DeviceUnavailable(f"{self.where}: cannot connect: {exc.strerror or exc}") from None
        self.session_id = 0
        self._reply_id = p.USHRT_MAX - 1
        reply = await self.request(p.CMD_CONNECT)
        self.session_id = reply.session_id
        if reply.command == p.CMD_ACK_UNAUTH:
            auth = await self.request(p.CMD_AUTH, p.make_commkey(self.comm_key, self.session_id))
            if auth.command != p.CMD_ACK_OK:
                await self.close()
                raise DeviceAuthError(f"{self.where}: the device refused the comm key (reply {auth.command})")
        elif reply.command != p.CMD_ACK_OK:
            await self.close()
            raise p.ProtocolError(f"{self.where}: connect refused (reply {reply.command})")

    async def close(self) -> None:
        channel, self._channel = self._channel, None
        if channel is None:
            return
        with contextlib.suppress(Exception):
            async with asyncio.timeout(1.0):
                await channel.send(self._packet(p.CMD_EXIT).encode())
        await channel.close()

    def _packet(self, command: int, data: bytes = b"") -> p.Packet:
        self._reply_id = p.next_reply_id(self._reply_id)
        return p.Packet(command, self.session_id, self._reply_id, data)

    async def _recv(self, wait_s: float | None = None) -> p.Packet:
        if self._channel is None:
            raise DeviceUnavailable(f"{self.where}: not connected")
        try:
            raw = await self._channel.recv(self.limits.timeout if wait_s is None else wait_s)
        except TimeoutError:
            raise
        except OSError as exc:
            raise DeviceUnavailable(f"{self.where}: connection lost: {exc.strerror or exc}") from None
        try:
            return p.decode_packet(raw, verify=self.limits.verify_checksums)
        except p.ProtocolError as exc:
            raise p.ProtocolError(f"{self.where}: {exc}") from None

    async def request(self, command: int, data: bytes = b"") -> p.Packet:
        """Send one command and return the device's reply (live events met on the way are kept)."""
        if self._channel is None:
            raise DeviceUnavailable(f"{self.where}: not connected")
        packet = self._packet(command, data)
        try:
            await self._channel.send(packet.encode())
        except OSError as exc:
            raise DeviceUnavailable(f"{self.where}: send failed: {exc.strerror or exc}") from None
        deadline = asyncio.get_running_loop().time() + self.limits.timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            try:
                reply = await self._recv(max(remaining, 0.001))
            except TimeoutError:
                raise DeviceUnavailable(
                    f"{self.where}: no reply to command {command} within {self.limits.timeout:g} s"
                ) from None
            if reply.command == p.CMD_REG_EVENT:
                await self._take_event(reply)
                continue
            if command != p.CMD_CONNECT and reply.session_id != self.session_id:
                _LOGGER.debug("%s: ignoring a packet of session %d", self.where, reply.session_id)
                continue
            return reply

    async def _take_event(self, packet: p.Packet) -> None:
        await self._ack()
        if not packet.data:
            return
        try:
            self._live.extend(p.parse_live_events(packet.data))
        except p.ProtocolError as exc:
            raise p.ProtocolError(f"{self.where}: {exc}") from None

    async def _ack(self) -> None:
        if self._channel is not None:
            ack = p.Packet(p.CMD_ACK_OK, self.session_id, 0)
            await self._channel.send(ack.encode())

    async def _expect_ok(self, command: int, data: bytes = b"", *, what: str) -> p.Packet:
        reply = await self.request(command, data)
        if reply.command not in (p.CMD_ACK_OK, p.CMD_ACK_DATA):
            raise p.ProtocolError(f"{self.where}: {what} refused (reply {reply.command})")
        return reply

    # -- device facts -------------------------------------------------------------------------

    async def option(self, name: str) -> str:
        reply = await self._expect_ok(p.CMD_OPTIONS_RRQ, f"{name}\x00".encode(), what=f"reading {name}")
        try:
            return p.parse_option(reply.data, name)
        except p.ProtocolError as exc:
            raise p.ProtocolError(f"{self.where}: {exc}") from None

    async def firmware(self) -> str:
        reply = await self._expect_ok(p.CMD_GET_VERSION, what="reading the firmware version")
        return reply.data.split(b"\x00", 1)[0].decode("ascii", errors="replace").strip()

    async def device_time(self) -> WallTime:
        reply = await self._expect_ok(p.CMD_GET_TIME, what="reading the clock")
        try:
            return p.decode_time_bytes(reply.data[:4])
        except p.ProtocolError as exc:
            raise p.ProtocolError(f"{self.where}: {exc}") from None

    async def set_time(self, t: WallTime) -> None:
        await self._expect_ok(p.CMD_SET_TIME, struct.pack("<I", p.encode_time(t)), what="setting the clock")

    async def sizes(self) -> p.Sizes:
        reply = await self._expect_ok(p.CMD_GET_FREE_SIZES, what="reading the record counts")
        try:
            return p.parse_sizes(reply.data)
        except p.ProtocolError as exc:
            raise p.ProtocolError(f"{self.where}: {exc}") from None

    # -- tables -------------------------------------------------------------------------------

    async def users(self, count_hint: int) -> list[p.DeviceUser]:
        data = await self.read_buffer(p.CMD_USERTEMP_RRQ, fct=p.FCT_USER)
        if not data:
            return []
        return p.parse_users(data, count_hint)

    async def attendance(self, count_hint: int, users: dict[int, str]) -> p.ParsedLog:
        data = await self.read_buffer(p.CMD_ATTLOG_RRQ)
        if not data:
            return p.ParsedLog([], 40, 0, 0)
        return p.parse_attendance(data, count_hint, users)

    async def read_buffer(self, command: int, fct: int = 0, ext: int = 0) -> bytes:
        """Read a whole table: prepare the buffer, read it in chunks, free it."""
        reply = await self.request(p.CMD_PREPARE_BUFFER, struct.pack("<bhii", 1, command, fct, ext))
        if reply.command == p.CMD_DATA:
            return reply.data
        if reply.command != p.CMD_ACK_OK or len(reply.data) < 5:
            raise p.ProtocolError(f"{self.where}: preparing table {command} refused (reply {reply.command})")
        size = struct.unpack("<I", reply.data[1:5])[0]
        if size > self.limits.max_buffer_bytes:
            raise p.ProtocolError(
                f"{self.where}: the device announced {size} bytes, more than the limit of {self.limits.max_buffer_bytes}"
            )
        chunk = TCP_CHUNK if self.transport == "tcp" else UDP_CHUNK
        parts: list[bytes] = []
        start = 0
        while start < size:
            want = min(chunk, size - start)
            part = await self._read_chunk(start, want)
            if len(part) != want:
                raise p.ProtocolError(
                    f"{self.where}: truncated data: asked for {want} bytes at offset {start}, got {len(part)}"
                )
            parts.append(part)
            start += want
        with contextlib.suppress(DeviceUnavailable):
            await self.request(p.CMD_FREE_DATA)
        return b"".join(parts)

    async def _read_chunk(self, start: int, size: int) -> bytes:
        reply = await self.request(p.CMD_READ_BUFFER, struct.pack("<ii", start, size))
        if reply.command == p.CMD_DATA:
            return reply.data
        if reply.command != p.CMD_PREPARE_DATA or len(reply.data) < 4:
            raise p.ProtocolError(f"{self.where}: reading {size} bytes at {start} refused (reply {reply.command})")
        announced = struct.unpack("<I", reply.data[:4])[0]
        if announced != size:
            raise p.ProtocolError(f"{self.where}: asked for {size} bytes, the device announced {announced}")
        got = bytearray()
        while True:
            try:
                packet = await self._recv()
            except TimeoutError:
                raise p.ProtocolError(
                    f"{self.where}: truncated data: {len(got)} of {size} bytes arrived before the device went quiet"
                ) from None
            if packet.command == p.CMD_DATA:
                got += packet.data
                if len(got) > size:
                    raise p.ProtocolError(f"{self.where}: the device sent {len(got)} bytes, announced {size}")
            elif packet.command == p.CMD_ACK_OK:
                return bytes(got)
            elif packet.command == p.CMD_REG_EVENT:
                await self._take_event(packet)
            else:
                raise p.ProtocolError(f"{self.where}: unexpected command {packet.command} inside a data transfer")

    # -- live events --------------------------------------------------------------------------

    async def register_live(self, enable: bool = True) -> bool:
        """Ask for live attendance events; False when the device does not offer them."""
        reply = await self.request(p.CMD_REG_EVENT, struct.pack("<I", p.EF_ATTLOG if enable else 0))
        self.live_registered = enable and reply.command == p.CMD_ACK_OK
        return reply.command == p.CMD_ACK_OK

    async def live_events(self, wait: float) -> list[p.LiveEvent]:
        """Events received so far, or the first ones arriving within `wait` seconds."""
        if not self._live and wait > 0:
            with contextlib.suppress(TimeoutError):
                packet = await self._recv(wait)
                if packet.command == p.CMD_REG_EVENT:
                    await self._take_event(packet)
                else:
                    _LOGGER.debug("%s: unexpected command %d while waiting for events", self.where, packet.command)
        events = list(self._live)
        self._live.clear()
        return events
