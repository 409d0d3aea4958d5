"""Duty-room desk cameras: the frame capture driver (devices/video: OpenCV, reconnect, pacing) at a low rate.

The duty watch pipeline (`watchd/pipeline/duty_watch/`) decides presence from the frames.
"""

from devices.duty_camera.config import DutyCameraConfig
from devices.duty_camera.driver import DutyCameraDriver

__all__ = ["DutyCameraConfig", "DutyCameraDriver"]
