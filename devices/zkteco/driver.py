"""ZKTeco pull driver: probes the terminal, reads its attendance log, listens for live punches.

One session per connection: probe (serial, model, firmware, clock), then repeatedly read the whole
attendance log and hand new records to the core, and in between listen for live events when the
terminal offers them. The core stores each batch together with the driver's position ("how many
log records are stored, and the key of the last one"), so after a restart the driver skips what
is stored; when the log no longer matches that position (cleared, replaced) everything is handed
over again and the natural keys make the replay change nothing.

A failure (refused connection, hang, malformed packet, wrong checksum) ends the session; the
terminal is reported offline once, and the driver reconnects with capped exponential backoff.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from devices.backoff import REAL_TIME, Backoff, Timing
from devices.contracts import CheckIn, DeviceAuthError, DeviceError, DeviceInfo, DeviceUnavailable, EventSink
from devices.secrets import read_secret
from devices.terminal import (
    Presence,
    PunchSink,
    WallTime,
    as_punch_sink,
    punch_event,
    skew_seconds,
    wall_now,
)
from devices.zkteco import protocol as p
from devices.zkteco.client import ClientLimits, ZKClient
from devices.zkteco.config import ZKTecoConfig

_LOGGER = logging.getLogger(__name__)
RETRY_INITIAL_S = 1.0


def _position(count: int, key: str) -> str:
    return f"{count}|{key}"


def _parse_position(value: str | None) -> tuple[int, str] | None:
    if not value:
        return None
    count, sep, key = value.partition("|")
    if not sep or not count.isdigit():
        return None
    return int(count), key


class ZKTecoDriver:
    kind: ClassVar[str] = "zkteco"

    def __init__(
        self, config: ZKTecoConfig, *, retry_initial_s: float = RETRY_INITIAL_S, timing: Timing = REAL_TIME
    ) -> None:
        self._config = config
        self._zone = ZoneInfo(config.timezone)
        self._retry_initial_s = retry_initial_s
        self._timing = timing
        self._presence = Presence(config.id, _LOGGER, "ZKTeco terminal")
        self._serial = ""
        self._position: tuple[int, str] | None = None
        self._users: dict[int, str] = {}
        self._names: dict[str, str] = {}
        self._users_count = -1
        self._mode = "idle"
        self._counters: dict[str, int] = {
            "polls": 0, "records_on_device": 0, "punches_delivered": 0, "live_events": 0,
            "skipped_verify_mode": 0, "truncated_bytes": 0, "reconnects": 0,
        }
        self._skew_s: float | None = None
        self._last_poll_at: datetime | None = None

    # -- public surface -----------------------------------------------------------------------

    async def probe(self) -> DeviceInfo:
        async with self._client() as client:
            info, _clock = await self._probe(client)
            return info

    async def run(self, sink: EventSink, stop: asyncio.Event) -> None:
        punches = as_punch_sink(sink)
        self._presence.reset()
        self._position = _parse_position(await punches.stored_position())
        # A session that worked for longer than a poll interval starts the backoff afresh.
        backoff = Backoff(
            self._retry_initial_s, self._config.retry_max_s, timing=self._timing,
            reset_after_s=self._config.poll_interval_s,
        )
        try:
            while not stop.is_set():
                if backoff.attempt():
                    self._counters["reconnects"] += 1
                try:
                    await self._session(punches, stop)
                    return
                except DeviceError as exc:
                    self._presence.mark(sink, online=False, detail=str(exc))
                self._mode = "retrying"
                delay = backoff.next_delay()
                _LOGGER.debug("ZKTeco %s: retrying in %.1f s", self._config.id, delay)
                if await self._timing.sleep(stop, delay):
                    return
        finally:
            self._mode = "stopped"

    def diagnostics(self) -> Mapping[str, object]:
        return {
            "kind": self.kind,
            "device_id": self._config.id,
            "address": f"{self._config.transport}://{self._config.host}:{self._config.port}",
            "mode": self._mode,
            "online": self._presence.online,
            "serial": self._serial,
            "skew_s": self._skew_s,
            "last_poll_at": self._last_poll_at.isoformat() if self._last_poll_at else None,
            "position": self._position[0] if self._position else None,
            "last_error": self._presence.last_error,
            **self._counters,
        }

    # -- session ------------------------------------------------------------------------------

    def _client(self) -> ZKClient:
        comm_key = 0
        if self._config.comm_key_env:
            secret = read_secret(self._config.comm_key_env, where=f"device {self._config.id} comm_key_env")
            if not secret.isdigit():
                raise DeviceAuthError(f"device {self._config.id}: the comm key must be a number")
            comm_key = int(secret)
        limits = ClientLimits(timeout=self._config.timeout_s, verify_checksums=self._config.verify_checksums)
        return ZKClient(
            self._config.host, self._config.port, transport=self._config.transport, comm_key=comm_key, limits=limits
        )

    async def _probe(self, client: ZKClient) -> tuple[DeviceInfo, WallTime]:
        serial = await client.option("~SerialNumber")
        if not serial:
            raise p.ProtocolError(f"{client.where}: the device reported an empty serial number")
        if self._config.serial and serial != self._config.serial:
            raise DeviceUnavailable(
                f"{client.where}: serial number {serial!r} is not the configured {self._config.serial!r} "
                "(another terminal at this address?)"
            )
        try:
            model = await client.option("~DeviceName")
        except p.ProtocolError:
            model = "ZKTeco"
        firmware = await client.firmware()
        clock = await client.device_time()
        try:
            aware: datetime | None = clock.in_zone(self._zone)
        except ValueError:
            aware = None
        self._serial = serial
        return DeviceInfo(serial=serial, model=model or "ZKTeco", firmware=firmware, clock=aware), clock

    async def _session(self, punches: PunchSink, stop: asyncio.Event) -> None:
        self._mode = "connecting"
        async with self._client() as client:
            info, clock = await self._probe(client)
            await self._measure(client, punches, info, clock)
            self._presence.mark(punches, online=True)
            live = False
            if self._config.live_events:
                live = await client.register_live(True)
                if not live:
                    _LOGGER.info("ZKTeco %s offers no live events; polling only", self._config.id)
            self._mode = "live" if live else "poll"
            while not stop.is_set():
                await self._pull(client, punches)
                now = self._timing.monotonic
                due = now() + self._config.poll_interval_s
                while not stop.is_set() and now() < due:
                    if live:
                        events = await client.live_events(wait=min(0.25, max(due - now(), 0.01)))
                        await self._deliver_live(events, punches)
                    elif await self._timing.sleep(stop, min(1.0, due - now())):
                        break
                if stop.is_set():
                    break
                info, clock = await self._probe(client)
                await self._measure(client, punches, info, clock)
            if live:
                await client.register_live(False)

    async def _measure(self, client: ZKClient, punches: PunchSink, info: DeviceInfo, clock: WallTime) -> None:
        now = datetime.now(UTC)
        self._skew_s = skew_seconds(clock, self._zone, now)
        threshold = self._config.clock_sync_threshold_s
        if threshold is not None and (self._skew_s is None or abs(self._skew_s) > threshold):
            await client.set_time(wall_now(self._zone))
            _LOGGER.warning(
                "ZKTeco %s: clock was off by %s s (device %s); set to watchd's time",
                self._config.id, self._skew_s, clock.text,
            )
        await punches.device_seen(info, skew_s=self._skew_s)

    async def _pull(self, client: ZKClient, punches: PunchSink) -> None:
        read_at = datetime.now(UTC)  # everything the terminal recorded before this is in the log we read
        sizes = await client.sizes()
        if sizes.users != self._users_count:
            users = await client.users(sizes.users)
            self._users = {u.uid: u.user_id for u in users}
            self._names = {u.user_id: u.name for u in users if u.name}
            self._users_count = sizes.users
        log = await client.attendance(sizes.records, self._users)
        self._counters["polls"] += 1
        self._counters["records_on_device"] = len(log.records)
        self._last_poll_at = datetime.now(UTC)
        if log.trailing_bytes:
            self._counters["truncated_bytes"] += log.trailing_bytes
            _LOGGER.warning(
                "ZKTeco %s: attendance log ends with a truncated record (%d bytes of %d-byte records, %d declared); "
                "the whole records before it are read, the rest at the next poll",
                self._config.id, log.trailing_bytes, log.record_size, log.declared_bytes,
            )
        start = self._resume_index(log.records)
        if start >= len(log.records):
            await punches.store_punches([], synced_at=read_at)  # nothing new: the terminal is synced
            return
        for begin in range(start, len(log.records), self._config.batch_size):
            chunk = log.records[begin : begin + self._config.batch_size]
            batch = [self._punch(r, "zkteco") for r in chunk if self._counted(r.verify)]
            last = chunk[-1]
            position = _position(last.index + 1, self._key(last.user_id, last.time))
            final = begin + self._config.batch_size >= len(log.records)
            await punches.store_punches(batch, position=position, synced_at=read_at if final else None)
            self._position = (last.index + 1, self._key(last.user_id, last.time))
            self._counters["punches_delivered"] += len(batch)

    def _resume_index(self, records: Sequence[p.AttendanceRecord]) -> int:
        """Where new records start: after the stored position when the log still matches it."""
        if self._position is None:
            return 0
        count, key = self._position
        if 0 < count <= len(records):
            last = records[count - 1]
            if self._key(last.user_id, last.time) == key:
                return count
        if count == 0:
            return 0
        _LOGGER.info(
            "ZKTeco %s: the attendance log no longer matches the stored position (%d records); reading all %d",
            self._config.id, count, len(records),
        )
        return 0

    async def _deliver_live(self, events: Sequence[p.LiveEvent], punches: PunchSink) -> None:
        batch = [
            self._punch_of(e.user_id, e.time, e.verify, e.state, "zkteco_live", None)
            for e in events
            if self._counted(e.verify)
        ]
        if batch:
            await punches.store_punches(batch)
            self._counters["live_events"] += len(batch)

    def _counted(self, verify: int) -> bool:
        if self._config.verify_codes and verify not in self._config.verify_codes:
            self._counters["skipped_verify_mode"] += 1
            return False
        return True

    def _key(self, user_id: str, t: WallTime) -> str:
        return f"{user_id}|{t.text}"

    def _punch(self, r: p.AttendanceRecord, source: str) -> CheckIn:
        return self._punch_of(r.user_id, r.time, r.verify, r.state, source, r.index)

    def _punch_of(
        self, user_id: str, t: WallTime, verify: int, state: int, source: str, cursor: int | None
    ) -> CheckIn:
        return punch_event(
            device_id=self._config.id, serial=self._serial, device_user=user_id, wall=t, zone=self._zone,
            source=source, method=p.VERIFY_METHODS.get(verify, "face"),
            cursor=cursor, skew_s=self._skew_s, verify=str(verify), state=p.STATE_NAMES.get(state, str(state)),
            user_name=self._names.get(user_id),
        )
