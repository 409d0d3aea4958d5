"""Duty camera driver: the camera-kiosk driver (capture thread, one-frame slot, reconnect with
backoff, online/offline transitions) reading at the duty camera's rate and size, with the
password added from the environment at connect time.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

from devices.camera.source import with_password
from devices.contracts import DeviceInfo, EventSink
from devices.duty_camera.config import DutyCameraConfig
from devices.kiosk.capture import CameraSource, parse_source
from devices.kiosk.config import CameraKioskConfig
from devices.kiosk.driver import CameraKioskDriver
from devices.terminal import read_secret


def duty_camera_source(config: DutyCameraConfig) -> CameraSource:
    """The source to open; `MissingSecret` (a DeviceUnavailable) when the named password is not set."""
    if not config.password_env or "://" not in config.source:
        return parse_source(config.source)
    password = read_secret(config.password_env, where=f"duty camera {config.id}")
    return parse_source(with_password(config.source, password))


class DutyCameraDriver(CameraKioskDriver):
    kind: ClassVar[str] = "duty_camera"

    def __init__(self, config: DutyCameraConfig, *, retry_initial_s: float = 1.0, retry_max_s: float = 30.0) -> None:
        super().__init__(
            CameraKioskConfig(
                kind="kiosk_camera", id=config.id, site=config.site, name=config.name, enabled=config.enabled,
                source=config.source, fps=config.fps, max_side=config.max_side,
            ),
            retry_initial_s=retry_initial_s, retry_max_s=retry_max_s,
        )
        self._duty_config = config

    def _resolve(self) -> None:
        self._source = duty_camera_source(self._duty_config)

    async def probe(self) -> DeviceInfo:
        self._resolve()
        return await super().probe()

    async def run(self, sink: EventSink, stop: asyncio.Event) -> None:
        self._resolve()  # the password is read at connect time, so a changed credential takes effect
        await super().run(sink, stop)
