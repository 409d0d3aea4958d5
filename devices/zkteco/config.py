"""Configuration of a ZKTeco terminal read over the pull protocol (TCP/UDP 4370)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from devices.config_base import DeviceConfigBase
from devices.terminal import DeviceZone, SecretName


class ZKTecoConfig(DeviceConfigBase):
    """A ZKTeco face or fingerprint terminal that watchd polls (and listens to, when it offers live events)."""

    kind: Literal["zkteco"] = Field(title="Kind", description="ZKTeco terminal, pull protocol on port 4370.")
    host: str = Field(
        min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.:_-]+$", title="Address",
        description="IP address or host name of the terminal.",
    )
    port: int = Field(4370, ge=1, le=65535, title="Port", description="Protocol port (4370 on every model).")
    transport: Literal["tcp", "udp"] = Field(
        "tcp", title="Transport", description="tcp (newer models) or udp (older black-and-white models)."
    )
    serial: str | None = Field(
        None, min_length=1, max_length=64, title="Expected serial number",
        description="When set, a device answering with another serial number is refused "
        "(a swapped terminal or a reused IP address). The probe shows the serial.",
    )
    comm_key_env: SecretName | None = Field(
        None, title="Comm key secret",
        description="Environment variable or systemd credential holding the numeric comm key "
        "(通讯密码); leave unset when the terminal has none.",
    )
    timezone: DeviceZone = Field(
        "Asia/Shanghai", title="Device time zone",
        description="Time zone the terminal's clock is set to; its punch times carry no zone.",
    )
    poll_interval_s: float = Field(
        60.0, ge=1, le=86400, title="Poll interval",
        description="Seconds between two reads of the attendance log (live events arrive in between).",
    )
    live_events: bool = Field(
        True, title="Live events",
        description="Ask the terminal to send each punch as it happens; the log is still read at every poll.",
    )
    timeout_s: float = Field(
        5.0, ge=0.2, le=120, title="Reply timeout",
        description="Seconds to wait for each reply; a terminal that hangs is reported offline after this.",
    )
    verify_checksums: bool = Field(
        True, title="Verify checksums",
        description="Refuse packets with a wrong checksum (turn off only for a model known to send bad ones).",
    )
    verify_codes: tuple[int, ...] = Field(
        (), max_length=32, title="Counted verification modes",
        description="Only punches verified in these ways are read (15 face, 1 fingerprint, 4 card, 3 password); "
        "empty: every punch.",
    )
    batch_size: int = Field(
        500, ge=1, le=5000, title="Batch size", description="Punches stored per transaction while catching up."
    )
    clock_sync_threshold_s: float | None = Field(
        None, ge=1, le=10 * 365 * 86400, title="Clock correction",
        description="When the terminal clock is off by more than this many seconds, set it to watchd's time. "
        "Unset: only measure and report the skew.",
    )
    retry_max_s: float = Field(
        300.0, ge=1, le=3600, title="Longest retry delay",
        description="Reconnect attempts back off from 1 s up to this many seconds.",
    )
