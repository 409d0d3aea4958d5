"""Camera kiosk driver: a box with a USB or RTSP camera and no browser.

The frame capture driver (devices/video/frames.py) at the kiosk's rate and picture size: frames
go to the check-in pipeline, which looks for a live face in them.
"""

from __future__ import annotations

from typing import ClassVar

from devices.backoff import REAL_TIME, Timing
from devices.kiosk.config import CameraKioskConfig
from devices.video.frames import RETRY_INITIAL_S, RETRY_MAX_S, CaptureSettings, FrameCaptureDriver


class CameraKioskDriver(FrameCaptureDriver):
    kind: ClassVar[str] = "kiosk_camera"

    def __init__(
        self, config: CameraKioskConfig, *, retry_initial_s: float = RETRY_INITIAL_S,
        retry_max_s: float = RETRY_MAX_S, timing: Timing = REAL_TIME,
    ) -> None:
        super().__init__(
            CaptureSettings(id=config.id, source=config.source, fps=config.fps, max_side=config.max_side),
            retry_initial_s=retry_initial_s, retry_max_s=retry_max_s, timing=timing,
        )
