"""Configuration of a duty-room desk camera."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from devices.config_base import DeviceConfigBase
from devices.video.source import PASSWORD_ENV_PATTERN, check_source_url


class DutyCameraConfig(DeviceConfigBase):
    """A camera facing the duty desk; its seat region is set in `[[duty.rooms.desks]]`."""

    kind: Literal["duty_camera"] = Field(title="Kind", description="Duty-room desk camera.")
    source: str = Field(
        min_length=1, max_length=500, title="Camera source",
        description="A V4L2 index ('0'), a device path (/dev/video0), an rtsp:// or http(s):// URL (user name "
        "allowed, never the password) or a video file (played at its own speed, for demos).",
    )
    password_env: str | None = Field(
        None, pattern=PASSWORD_ENV_PATTERN, title="Password variable",
        description="Name of the environment variable (or systemd credential) holding the camera password; "
        "added to the URL at connect time and never logged.",
    )
    fps: float = Field(
        1.0, ge=0.1, le=5, title="Pictures analysed per second",
        description="Presence changes over minutes: one picture a second is plenty.",
    )
    max_side: int = Field(
        640, ge=240, le=1920, title="Picture size",
        description="Pictures are shrunk so their longest side is at most this before analysis.",
    )

    @field_validator("source")
    @classmethod
    def verify_source(cls, value: str) -> str:
        """The same rules as for a protected-site camera: a known scheme, a host, no password."""
        return check_source_url(value)
