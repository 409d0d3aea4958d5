"""Hikvision ISAPI driver: the live event stream first, AcsEvent searches as fallback and catch-up.

Each session probes the terminal (deviceInfo, time), then searches AcsEvent from the stored
position (the last event serial number stored) so nothing missed while watchd or the network was
down is lost, then follows /ISAPI/Event/notification/alertStream. While streaming, a search runs
every `reconcile_interval_s` (the stream does not replay what it missed). If the stream fails,
the driver polls every `poll_interval_s` and tries the stream again after `stream_retry_s`; the
current mode is in the diagnostics. Only events of the configured major/minor codes (face
passed) become punches, keyed by employee number.

A refused password is not retried for `auth_retry_s`: the terminal locks the account after a few
wrong attempts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from devices.backoff import REAL_TIME, Backoff, Timing
from devices.contracts import CheckIn, DeviceAuthError, DeviceError, DeviceInfo, DeviceUnavailable, EventSink
from devices.hikvision.client import IsapiClient
from devices.hikvision.config import HikvisionConfig
from devices.hikvision.events import (
    AccessEvent,
    EventFormatError,
    from_info,
    from_stream_json,
    from_stream_xml,
    parse_time,
)
from devices.secrets import read_secret
from devices.terminal import Presence, PunchSink, as_punch_sink, punch_event

_LOGGER = logging.getLogger(__name__)
RETRY_INITIAL_S = 1.0
MAX_PAGES = 10_000


class HikvisionDriver:
    kind: ClassVar[str] = "hikvision"

    def __init__(
        self, config: HikvisionConfig, *, retry_initial_s: float = RETRY_INITIAL_S, timing: Timing = REAL_TIME
    ) -> None:
        self._config = config
        self._zone = ZoneInfo(config.timezone)
        self._retry_initial_s = retry_initial_s
        self._timing = timing
        self._presence = Presence(config.id, _LOGGER, "Hikvision terminal")
        self._serial = ""
        self._position: int | None = None
        self._mode = "idle"
        self._stream_failed_at: float | None = None
        self._skew_s: float | None = None
        self._counters: dict[str, int] = {
            "searches": 0, "stream_events": 0, "punches_delivered": 0, "skipped_events": 0, "bad_events": 0,
            "reconnects": 0,
        }

    # -- public surface -----------------------------------------------------------------------

    async def probe(self) -> DeviceInfo:
        async with self._client() as client:
            info, _skew = await self._probe(client)
            return info

    async def run(self, sink: EventSink, stop: asyncio.Event) -> None:
        punches = as_punch_sink(sink)
        self._presence.reset()
        stored = await punches.stored_position()
        self._position = int(stored) if stored and stored.isdigit() else None
        # A session that worked for longer than a poll interval starts the backoff afresh.
        backoff = Backoff(
            self._retry_initial_s, self._config.retry_max_s, timing=self._timing,
            reset_after_s=self._config.poll_interval_s,
        )
        try:
            while not stop.is_set():
                if backoff.attempt():
                    self._counters["reconnects"] += 1
                at_least = 0.0
                try:
                    await self._session(punches, stop)
                    return
                except DeviceAuthError as exc:
                    self._presence.mark(sink, online=False, detail=str(exc))
                    at_least = self._config.auth_retry_s  # the terminal locks the account after a few tries
                except DeviceError as exc:
                    self._presence.mark(sink, online=False, detail=str(exc))
                self._mode = "retrying"
                if await backoff.sleep(stop, at_least=at_least):
                    return
        finally:
            self._mode = "stopped"

    def diagnostics(self) -> Mapping[str, object]:
        return {
            "kind": self.kind,
            "device_id": self._config.id,
            "url": self._config.url,
            "mode": self._mode,
            "online": self._presence.online,
            "serial": self._serial,
            "position": self._position,
            "skew_s": self._skew_s,
            "last_error": self._presence.last_error,
            **self._counters,
        }

    # -- session ------------------------------------------------------------------------------

    def _client(self) -> IsapiClient:
        password = read_secret(self._config.password_env, where=f"device {self._config.id} password_env")
        return IsapiClient(
            self._config.url, self._config.username, password, timeout=self._config.timeout_s,
            verify_tls=self._config.verify_tls, stream_idle_s=self._config.stream_idle_s,
        )

    async def _probe(self, client: IsapiClient) -> tuple[DeviceInfo, float | None]:
        fields = await client.device_info()
        serial = fields.get("serialNumber") or fields.get("deviceID") or ""
        if not serial:
            raise EventFormatError(f"{client.base_url}: deviceInfo has no serialNumber")
        model = fields.get("model") or fields.get("deviceName") or "Hikvision"
        firmware = " ".join(x for x in (fields.get("firmwareVersion"), fields.get("firmwareReleasedDate")) if x)
        wall, tz = parse_time(await client.device_time())
        clock: datetime | None
        try:
            clock = wall.in_zone(tz or self._zone)
        except ValueError:
            clock = None
        skew = round((clock - datetime.now(UTC)).total_seconds(), 3) if clock else None
        self._serial = serial[:64]
        return DeviceInfo(serial=self._serial, model=model, firmware=firmware, clock=clock), skew

    async def _session(self, punches: PunchSink, stop: asyncio.Event) -> None:
        self._mode = "connecting"
        async with self._client() as client:
            info, self._skew_s = await self._probe(client)
            await punches.device_seen(info, skew_s=self._skew_s)
            await self._search(client, punches)
            self._presence.mark(punches, online=True)
            while not stop.is_set():
                if self._stream_allowed():
                    self._mode = "stream"
                    await self._stream(client, punches, stop)
                else:
                    self._mode = "poll"
                    if await self._timing.sleep(stop, self._config.poll_interval_s):
                        return
                    await self._search(client, punches)

    def _stream_allowed(self) -> bool:
        if self._config.mode != "stream":
            return False
        failed = self._stream_failed_at
        return failed is None or self._timing.monotonic() - failed >= self._config.stream_retry_s

    async def _stream(self, client: IsapiClient, punches: PunchSink, stop: asyncio.Event) -> None:
        """Follow the event stream, searching now and then, until stop or a stream failure (then: poll)."""
        connected = asyncio.Event()
        tasks = {
            asyncio.create_task(self._follow(client, punches, connected)),
            asyncio.create_task(self._reconcile(client, punches, stop, connected)),
        }
        stopper = asyncio.create_task(stop.wait())
        failure: DeviceUnavailable | None = None
        try:
            done, _pending = await asyncio.wait({*tasks, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if stopper in done:
                return
            for task in done:
                task.result()
            raise DeviceUnavailable(f"{client.base_url}: the event stream ended")
        except DeviceAuthError:
            raise
        except DeviceUnavailable as exc:
            failure = exc
        finally:
            for task in (*tasks, stopper):
                task.cancel()
            for task in (*tasks, stopper):
                with contextlib.suppress(asyncio.CancelledError, DeviceError):
                    await task
        self._stream_failed_at = self._timing.monotonic()
        _LOGGER.warning(
            "Hikvision %s: event stream failed (%s); polling every %g s, stream again in %g s",
            self._config.id, failure, self._config.poll_interval_s, self._config.stream_retry_s,
        )
        # The terminal still answers? Then only the stream failed. The search runs once the stream's own
        # search is over, so two searches from the same position never deliver the same event twice.
        await self._search(client, punches)

    async def _follow(self, client: IsapiClient, punches: PunchSink, connected: asyncio.Event) -> None:
        async with client.alert_stream() as parts:
            _LOGGER.info("Hikvision %s: following the event stream", self._config.id)
            connected.set()
            async for part in parts:
                event = self._part_event(part.content_type, part.body)
                if event is not None:
                    self._counters["stream_events"] += 1
                    await self._deliver([event], punches, "hikvision_stream", None)

    async def _reconcile(
        self, client: IsapiClient, punches: PunchSink, stop: asyncio.Event, connected: asyncio.Event
    ) -> None:
        """Once the stream is up, search for what happened before it connected; then now and then."""
        await connected.wait()
        await self._search(client, punches)
        while not await self._timing.sleep(stop, self._config.reconcile_interval_s):
            await self._search(client, punches)

    def _part_event(self, content_type: str, body: bytes) -> AccessEvent | None:
        kind = content_type.lower()
        try:
            if "json" in kind or body.lstrip().startswith(b"{"):
                return from_stream_json(body)
            if "xml" in kind or body.lstrip().startswith(b"<"):
                return from_stream_xml(body)
        except EventFormatError as exc:
            self._counters["bad_events"] += 1
            _LOGGER.warning("Hikvision %s: unreadable stream event skipped (found again by the next search): %s", self._config.id, exc)
        return None  # pictures and anything else

    async def _search(self, client: IsapiClient, punches: PunchSink) -> None:
        """Read every event after the stored position, page by page; each page is stored with its position."""
        search_id = uuid.uuid4().hex
        searched_at = datetime.now(UTC)  # the search sees every event recorded before this
        condition: dict[str, Any] = {
            "searchID": search_id, "searchResultPosition": 0, "maxResults": self._config.page_size,
            "major": self._config.major, "minor": 0, "timeReverseOrder": False,
        }
        if self._position is not None:
            condition["beginSerialNo"] = self._position + 1
        else:
            now = datetime.now(self._zone)
            condition["startTime"] = (now - timedelta(days=self._config.first_sync_days)).isoformat(timespec="seconds")
            condition["endTime"] = (now + timedelta(days=1)).isoformat(timespec="seconds")
        for _page in range(MAX_PAGES):
            result = await client.search_events(condition)
            self._counters["searches"] += 1
            infos = result.get("InfoList") or []
            if not isinstance(infos, list):
                raise EventFormatError(f"{client.base_url}: AcsEvent InfoList is not a list")
            events: list[AccessEvent] = []
            for info in infos:
                if not isinstance(info, dict):
                    raise EventFormatError(f"{client.base_url}: an AcsEvent entry is not an object")
                event = from_info(info)
                if event is not None:
                    events.append(event)
            serials = [e.serial_no for e in events if e.serial_no is not None]
            position = max(serials) if serials else None
            if position is not None and self._position is not None:
                position = max(position, self._position)
            status = str(result.get("responseStatusStrg") or "")
            matches = result.get("numOfMatches")
            more = status == "MORE" and isinstance(matches, int) and matches > 0
            await self._deliver(events, punches, "hikvision_poll", position, None if more else searched_at)
            if position is not None:
                self._position = position
            if not more:
                return
            condition["searchResultPosition"] = int(condition["searchResultPosition"]) + int(matches or 0)
        raise EventFormatError(f"{client.base_url}: AcsEvent search did not end after {MAX_PAGES} pages")

    async def _deliver(
        self, events: list[AccessEvent], punches: PunchSink, source: str, position: int | None,
        synced_at: datetime | None = None,
    ) -> None:
        batch: list[CheckIn] = []
        for e in events:
            if e.major != self._config.major or e.minor not in self._config.minors or not e.employee:
                self._counters["skipped_events"] += 1
                continue
            batch.append(
                punch_event(
                    device_id=self._config.id, serial=self._serial, device_user=e.employee[:64], wall=e.wall,
                    zone=e.tz or self._zone, source=source, cursor=e.serial_no, skew_s=self._skew_s,
                    verify=e.verify_mode or f"{e.major}/{e.minor}", state=e.attendance or None, user_name=e.name or None,
                )
            )
        if batch or position is not None or synced_at is not None:
            await punches.store_punches(
                batch, position=None if position is None else str(position), synced_at=synced_at
            )
            self._counters["punches_delivered"] += len(batch)
