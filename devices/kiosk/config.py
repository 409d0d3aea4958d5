"""Configuration of a browser kiosk and of a local-camera kiosk."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from devices.config_base import DeviceConfigBase


class WebKioskConfig(DeviceConfigBase):
    """A tablet or mini PC that opens the kiosk page; it authenticates with its own device token."""

    kind: Literal["kiosk_web"] = Field(title="Kind", description="Browser kiosk page.")


class CameraKioskConfig(DeviceConfigBase):
    """A box with a USB or RTSP camera and no browser; watchd reads the camera itself."""

    kind: Literal["kiosk_camera"] = Field(title="Kind", description="Local-camera kiosk.")
    source: str = Field(
        min_length=1, title="Camera source",
        description="A V4L2 device index ('0'), a device path (/dev/video0), an rtsp:// or http:// URL, or a video file.",
    )
    fps: float = Field(5.0, gt=0, le=30, title="Frames per second analysed", description="Frames handed to recognition per second.")
    max_side: int = Field(
        640, ge=160, le=1920, title="Frame size", description="Frames are shrunk so their longest side is at most this."
    )
