"""Blocking camera access with OpenCV for the frame capture driver: opening, pacing, frame shaping.

Everything here blocks and runs in the driver's worker thread; nothing touches the event loop.
OpenCV releases the GIL while it decodes, resizes and converts, so one thread per camera is enough.
"""

from __future__ import annotations

import sys
import threading
import time

import cv2
import numpy as np
import numpy.typing as npt

from devices.video.source import CameraSource

# FFmpeg gives up on a silent network camera after this long, so reconnecting can begin.
OPEN_TIMEOUT_MS = 5000
READ_TIMEOUT_MS = 5000
# Used to pace a file when its container carries no usable frame rate or timestamps.
_FALLBACK_FILE_FPS = 25.0
RGBImage = npt.NDArray[np.uint8]


class CaptureError(Exception):
    """The camera could not be opened or read. Messages never contain credentials."""


def open_capture(source: CameraSource) -> cv2.VideoCapture:
    """Open the source or raise `CaptureError`. May block up to OPEN_TIMEOUT_MS for a network camera."""
    if source.kind in ("url", "file"):
        params = [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
            OPEN_TIMEOUT_MS,
            cv2.CAP_PROP_READ_TIMEOUT_MSEC,
            READ_TIMEOUT_MS,
        ]
        cap = cv2.VideoCapture(source.raw, cv2.CAP_FFMPEG, params)
    else:
        backend = cv2.CAP_V4L2 if sys.platform.startswith("linux") else cv2.CAP_ANY
        target: int | str = int(source.raw) if source.kind == "index" else source.raw
        cap = cv2.VideoCapture(target, backend)
    if not cap.isOpened():
        cap.release()
        raise CaptureError(f"camera {source.redacted} could not be opened")
    if source.kind in ("index", "device"):
        # Keep the driver's queue short so a read returns a recent frame, not a stale one.
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
    return cap


def shrink_to_rgb(image: npt.NDArray[np.uint8], max_side: int) -> RGBImage:
    """Shrink so the longest side is at most `max_side` and convert BGR (or gray/BGRA) to RGB."""
    height, width = image.shape[:2]
    scale = max_side / max(height, width)
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        image = np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    if image.ndim == 2:
        code = cv2.COLOR_GRAY2RGB
    elif image.shape[2] == 4:
        code = cv2.COLOR_BGRA2RGB
    else:
        code = cv2.COLOR_BGR2RGB
    return np.ascontiguousarray(cv2.cvtColor(image, code), dtype=np.uint8)


class FrameReader:
    """Grabs frames from an open capture. A file is paced at its own speed, as a live camera would be.

    `grab()` is cheap (no decode into an image); `retrieve()` decodes the last grabbed frame. The
    driver grabs every frame and retrieves only those it will emit.
    """

    def __init__(self, cap: cv2.VideoCapture, source: CameraSource, halt: threading.Event) -> None:
        self._cap = cap
        self._halt = halt
        self._paced = source.is_file
        fps = float(cap.get(cv2.CAP_PROP_FPS)) if self._paced else 0.0
        self._file_fps = fps if 1.0 <= fps <= 240.0 else _FALLBACK_FILE_FPS
        self._started: float | None = None
        self._count = 0
        self._last_media_s = -1.0

    def grab(self) -> bool:
        """Grab the next frame; False when the stream stopped (or a file ended, or we were halted)."""
        if not self._cap.grab():
            return False
        self._count += 1
        if self._paced:
            return self._wait_for_media_time()
        return True

    def retrieve(self) -> npt.NDArray[np.uint8] | None:
        ok, image = self._cap.retrieve()
        if not ok or image is None or image.size == 0:
            return None
        return np.asarray(image, dtype=np.uint8)

    def _wait_for_media_time(self) -> bool:
        media_s = float(self._cap.get(cv2.CAP_PROP_POS_MSEC)) / 1000.0
        if media_s <= self._last_media_s or (media_s == 0.0 and self._count > 1):
            media_s = (self._count - 1) / self._file_fps  # container without usable timestamps
        self._last_media_s = media_s
        now = time.monotonic()
        if self._started is None:
            self._started = now - media_s
        delay = self._started + media_s - now
        return not (delay > 0 and self._halt.wait(delay))
