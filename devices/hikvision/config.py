"""Configuration of a Hikvision access-control face terminal read over ISAPI."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from devices.config_base import DeviceConfigBase
from devices.terminal import DeviceZone, SecretName


class HikvisionConfig(DeviceConfigBase):
    """A Hikvision face terminal: its event stream is read live, with AcsEvent searches as fallback."""

    kind: Literal["hikvision"] = Field(title="Kind", description="Hikvision access-control terminal (ISAPI).")
    url: str = Field(
        pattern=r"^https?://[A-Za-z0-9.:_\[\]-]+(:\d+)?/?$", max_length=200, title="Address",
        description="Base URL of the terminal, e.g. http://192.168.1.64 (no path).",
    )
    username: str = Field("admin", min_length=1, max_length=64, title="User name", description="ISAPI user.")
    password_env: SecretName = Field(
        title="Password secret",
        description="Environment variable or systemd credential holding the ISAPI password.",
    )
    verify_tls: bool = Field(
        True, title="Verify TLS", description="Check the terminal's certificate (https:// addresses only)."
    )
    major: int = Field(5, ge=0, le=255, title="Major event type", description="5: access-control events.")
    minors: tuple[int, ...] = Field(
        (75,), min_length=1, max_length=32, title="Counted minor event types",
        description="Only these events become punches: 75 face passed; 77 employee number + face passed "
        "(check the terminal's /ISAPI/AccessControl/AcsEvent/capabilities).",
    )
    mode: Literal["stream", "poll"] = Field(
        "stream", title="Mode",
        description="stream: read the live event stream and search for missed events now and then; "
        "poll: only search (for firmware without a usable stream).",
    )
    poll_interval_s: float = Field(
        15.0, ge=1, le=3600, title="Poll interval", description="Seconds between searches while not streaming."
    )
    reconcile_interval_s: float = Field(
        300.0, ge=5, le=86400, title="Reconcile interval",
        description="While streaming, search for events the stream may have missed this often.",
    )
    stream_retry_s: float = Field(
        300.0, ge=1, le=86400, title="Stream retry",
        description="After the stream failed, poll for this long before trying the stream again.",
    )
    stream_idle_s: float = Field(
        90.0, ge=1, le=3600, title="Stream silence limit",
        description="A stream that sends nothing (not even a heartbeat) this long is reconnected.",
    )
    page_size: int = Field(30, ge=1, le=100, title="Page size", description="Events asked for per search page.")
    first_sync_days: int = Field(
        7, ge=0, le=365, title="First read",
        description="With nothing stored yet, events of this many past days are read.",
    )
    timezone: DeviceZone = Field(
        "Asia/Shanghai", title="Device time zone",
        description="Used only when the terminal reports a time without a UTC offset.",
    )
    timeout_s: float = Field(10.0, ge=0.2, le=120, title="Reply timeout", description="Seconds to wait per request.")
    retry_max_s: float = Field(
        300.0, ge=1, le=3600, title="Longest retry delay", description="Reconnects back off from 1 s up to this."
    )
    auth_retry_s: float = Field(
        900.0, ge=1, le=86400, title="Retry after refused login",
        description="Wait this long after the terminal refused the password: it locks the account after "
        "about five wrong attempts.",
    )
