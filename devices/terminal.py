"""Shared plumbing of the attendance-terminal drivers (ZKTeco pull, ZKTeco ADMS push, Hikvision ISAPI).

A punch travels to the core as a `CheckIn` whose `subject_ref` is the terminal's own user id and
whose `raw` mapping carries the facts the core stores with it (keys below). Its natural key is
(device serial, device user, device-local wall-clock time): the time exactly as the device keeps
it, before any time-zone conversion, so a re-read of the device log always yields the same key.

Terminal drivers hand punches to a `PunchSink` when the core gives them one: the call returns once
the batch and the driver's new position are stored in one transaction, so a driver never advances
past a punch that is not stored. With a plain `EventSink` (tests, other hosts) `as_punch_sink`
falls back to `emit`, waiting while the sink's queue is full.

Secrets (device passwords, comm keys) are named in the configuration and read through devices.secrets
(environment or systemd credentials); their values never appear in logs or errors.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Annotated, Literal, Protocol, runtime_checkable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, StringConstraints

from devices.contracts import CheckIn, DeviceEvent, DeviceInfo, DeviceStatus, DeviceUnavailable, EventSink

# Keys of CheckIn.raw for terminal punches.
RAW_SERIAL = "serial"  # the device's serial number (part of the natural key)
RAW_DEVICE_TIME = "device_time"  # "YYYY-MM-DD HH:MM:SS", device-local wall clock (part of the natural key)
RAW_TIME_ERROR = "time_error"  # present when device_time is not a real date (occurred_at is then meaningless)
RAW_CURSOR = "cursor"  # the device's own position of the record (log index, event serial number)
RAW_SKEW = "skew_s"  # device clock minus our clock, in seconds, measured at the poll that read the punch
RAW_VERIFY = "verify"  # how the device verified the person (vendor code or name)
RAW_STATE = "state"  # attendance state the person chose (check-in, check-out, ...)
RAW_USER_NAME = "user_name"  # the name the device has for the user, when it tells us
RAW_SOURCE = "source"  # zkteco, zkteco_live, zkteco_adms, hikvision_stream, hikvision_poll

Method = Literal["face", "card", "fingerprint", "pin"]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r}") from exc
    return value


DeviceZone = Annotated[
    str,
    AfterValidator(_check_zone),
    Field(description="IANA time zone the device clock runs in, e.g. Asia/Shanghai."),
]
SecretName = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"),
    Field(
        description="Name of the environment variable (or systemd credential) holding the secret; "
        "the secret itself never goes in the configuration file."
    ),
]


@dataclass(frozen=True, slots=True, order=True)
class WallTime:
    """A device-local wall-clock time as the device reported it; it may not be a real date."""

    year: int
    month: int
    day: int
    hour: int
    minute: int
    second: int

    @classmethod
    def parse(cls, text: str) -> WallTime:
        """'YYYY-MM-DD HH:MM:SS' (or with 'T'); ValueError when the shape is wrong."""
        text = text.strip()
        if len(text) != 19 or text[4] != "-" or text[7] != "-" or text[10] not in " T" or text[13] != ":" or text[16] != ":":
            raise ValueError(f"not a YYYY-MM-DD HH:MM:SS time: {text[:40]!r}")
        parts = (text[0:4], text[5:7], text[8:10], text[11:13], text[14:16], text[17:19])
        if not all(p.isdigit() and p.isascii() for p in parts):
            raise ValueError(f"not a YYYY-MM-DD HH:MM:SS time: {text[:40]!r}")
        return cls(*(int(p) for p in parts))

    @classmethod
    def of(cls, moment: datetime) -> WallTime:
        return cls(moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)

    @property
    def text(self) -> str:
        return (
            f"{self.year:04d}-{self.month:02d}-{self.day:02d} "
            f"{self.hour:02d}:{self.minute:02d}:{self.second:02d}"
        )

    def in_zone(self, zone: tzinfo) -> datetime:
        """The instant this wall time names in `zone`; ValueError when it is not a real date."""
        return datetime(self.year, self.month, self.day, self.hour, self.minute, self.second, tzinfo=zone)


def wall_now(zone: ZoneInfo) -> WallTime:
    return WallTime.of(datetime.now(zone))


def skew_seconds(device_clock: WallTime, zone: ZoneInfo, now: datetime) -> float | None:
    """Device clock minus `now`, in seconds; None when the device clock is not a real date."""
    try:
        return round((device_clock.in_zone(zone) - now).total_seconds(), 3)
    except ValueError:
        return None


def punch_event(
    *,
    device_id: str,
    serial: str,
    device_user: str,
    wall: WallTime,
    zone: tzinfo,
    source: str,
    method: Method = "face",
    cursor: int | None = None,
    skew_s: float | None = None,
    verify: str | None = None,
    state: str | None = None,
    user_name: str | None = None,
) -> CheckIn:
    """One punch as the core expects it (see the module docstring)."""
    raw: dict[str, str] = {RAW_SERIAL: serial, RAW_DEVICE_TIME: wall.text, RAW_SOURCE: source}
    try:
        occurred_at = wall.in_zone(zone)
    except ValueError as exc:
        occurred_at = _EPOCH
        raw[RAW_TIME_ERROR] = str(exc)
    optional = {
        RAW_CURSOR: None if cursor is None else str(cursor),
        RAW_SKEW: None if skew_s is None else f"{skew_s:.3f}",
        RAW_VERIFY: verify,
        RAW_STATE: state,
        RAW_USER_NAME: user_name or None,
    }
    raw.update({k: v for k, v in optional.items() if v is not None})
    return CheckIn(
        device_id=device_id,
        occurred_at=occurred_at,
        subject_ref=device_user,
        method=method,
        event_id=f"{serial}|{device_user}|{wall.text}",
        raw=raw,
    )


@runtime_checkable
class PunchSink(EventSink, Protocol):
    """What the core offers terminal drivers besides `emit` (structural: no import of the core)."""

    async def stored_position(self) -> str | None:
        """The position last stored together with punches of this device, or None."""
        ...

    async def store_punches(
        self, punches: Sequence[CheckIn], *, position: str | None = None, synced_at: datetime | None = None
    ) -> None:
        """Store the punches and the new position in one transaction; return when committed.

        `synced_at`: with this batch, everything the terminal recorded before that moment is stored
        (the start of a complete read); it becomes the terminal's watermark for attendance.
        """
        ...

    async def device_seen(self, info: DeviceInfo, *, skew_s: float | None) -> None:
        """Record what a probe found (serial, model, firmware) and the measured clock skew."""
        ...


class _EmitPunchSink:
    """`PunchSink` over a plain `EventSink`: waits while the sink refuses (its queue is full)."""

    def __init__(self, sink: EventSink, *, retry_s: float = 0.02, give_up_s: float = 30.0) -> None:
        self._sink = sink
        self._retry_s = retry_s
        self._give_up_s = give_up_s

    def emit(self, event: DeviceEvent) -> bool:
        return self._sink.emit(event)

    async def stored_position(self) -> str | None:
        return None

    async def store_punches(
        self, punches: Sequence[CheckIn], *, position: str | None = None, synced_at: datetime | None = None
    ) -> None:
        for punch in punches:
            waited = 0.0
            while not self._sink.emit(punch):
                if waited >= self._give_up_s:
                    raise DeviceUnavailable(f"the event sink refused punches for {waited:.0f} s")
                await asyncio.sleep(self._retry_s)
                waited += self._retry_s

    async def device_seen(self, info: DeviceInfo, *, skew_s: float | None) -> None:
        return None


def as_punch_sink(sink: EventSink) -> PunchSink:
    if isinstance(sink, PunchSink):
        return sink
    return _EmitPunchSink(sink)


class Presence:
    """Online/offline bookkeeping shared by terminal drivers: one event and one log line per transition."""

    def __init__(self, device_id: str, logger: logging.Logger, what: str) -> None:
        self.device_id = device_id
        self._log = logger
        self._what = what
        self.online: bool | None = None
        self.last_error = ""
        self.status_dropped = 0

    def reset(self) -> None:
        """A new run reports its first status again."""
        self.online = None

    def mark(self, sink: EventSink, *, online: bool, detail: str = "") -> None:
        if not online:
            self.last_error = detail
        if self.online is online:
            return
        recovered = self.online is False
        self.online = online
        if online:
            self._log.info("%s %s is %s", self._what, self.device_id, "back online" if recovered else "online")
        else:
            self._log.warning("%s %s is offline: %s", self._what, self.device_id, detail)
        status = DeviceStatus(
            device_id=self.device_id, occurred_at=datetime.now(UTC), state="online" if online else "offline",
            detail=detail,
        )
        if not sink.emit(status):
            self.status_dropped += 1
