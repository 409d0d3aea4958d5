"""Duty camera driver: the frame capture driver (devices/video/frames.py: capture thread, one-frame
slot, reconnect with backoff, online/offline transitions) reading at the duty camera's rate and
size, with the password added from the environment at connect time.
"""

from __future__ import annotations

from typing import ClassVar

from devices.backoff import REAL_TIME, Timing
from devices.duty_camera.config import DutyCameraConfig
from devices.video.frames import RETRY_INITIAL_S, RETRY_MAX_S, CaptureSettings, FrameCaptureDriver


class DutyCameraDriver(FrameCaptureDriver):
    kind: ClassVar[str] = "duty_camera"

    def __init__(
        self, config: DutyCameraConfig, *, retry_initial_s: float = RETRY_INITIAL_S,
        retry_max_s: float = RETRY_MAX_S, timing: Timing = REAL_TIME,
    ) -> None:
        super().__init__(
            CaptureSettings(
                id=config.id, source=config.source, fps=config.fps, max_side=config.max_side,
                password_env=config.password_env, label="duty camera",
            ),
            retry_initial_s=retry_initial_s, retry_max_s=retry_max_s, timing=timing,
        )
