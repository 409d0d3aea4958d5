"""Blocking camera access for the camera kiosk: source parsing, redaction, opening, frame shaping.

Everything here blocks and runs in the driver's worker thread; nothing touches the event loop.
OpenCV releases the GIL while it decodes, resizes and converts, so one thread per camera is enough.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlsplit, urlunsplit

import cv2
import numpy as np
import numpy.typing as npt

# FFmpeg gives up on a silent network camera after this long, so reconnecting can begin.
OPEN_TIMEOUT_MS = 5000
READ_TIMEOUT_MS = 5000
# Used to pace a file when its container carries no usable frame rate or timestamps.
_FALLBACK_FILE_FPS = 25.0
_MASK = "***"
# Credentials some cameras put in the path or query (Dahua/XMeye style `/user=admin&password=x`).
_SECRET_PARAM = re.compile(r"(?i)\b(password|passwd|pwd|pass|token|secret|key|auth)=[^&;/?#\s]*")

SourceKind = Literal["index", "device", "url", "file"]
RGBImage = npt.NDArray[np.uint8]


class CaptureError(Exception):
    """The camera could not be opened or read. Messages never contain credentials."""


@dataclass(frozen=True, slots=True)
class CameraSource:
    """A parsed `source` setting."""

    raw: str
    kind: SourceKind
    redacted: str
    secrets: tuple[str, ...]

    @property
    def is_file(self) -> bool:
        return self.kind == "file"

    def scrub(self, text: str) -> str:
        """Remove the raw source and any secret it holds from `text` (an error message, say)."""
        text = text.replace(self.raw, self.redacted)
        for secret in self.secrets:
            text = text.replace(secret, _MASK)
        return text


def parse_source(source: str) -> CameraSource:
    """'0' is a V4L2 index, '/dev/…' a device, 'scheme://…' a URL, anything else a file path."""
    if source.isdigit():
        return CameraSource(source, "index", source, ())
    if source.startswith("/dev/"):
        return CameraSource(source, "device", source, ())
    if "://" in source:
        redacted, secrets = _redact_url(source)
        return CameraSource(source, "url", redacted, secrets)
    return CameraSource(source, "file", source, ())


def redact_source(source: str) -> str:
    """The source with any password or token replaced by '***'."""
    return parse_source(source).redacted


def _redact_url(url: str) -> tuple[str, tuple[str, ...]]:
    secrets: list[str] = []
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        if ":" in userinfo:
            user, password = userinfo.split(":", 1)
            if password:
                secrets += [password, unquote(password)]
            userinfo = f"{user}:{_MASK}"
        netloc = f"{userinfo}@{host}"

    def mask(match: re.Match[str]) -> str:
        value = match.group(0).split("=", 1)[1]
        if value:
            secrets.extend([value, unquote(value)])
        return f"{match.group(1)}={_MASK}"

    path = _SECRET_PARAM.sub(mask, parts.path)
    query = _SECRET_PARAM.sub(mask, parts.query)
    redacted = urlunsplit((parts.scheme, netloc, path, query, parts.fragment))
    # Longest first, so a secret that contains another is masked whole.
    unique = sorted({s for s in secrets if len(s) >= 2}, key=len, reverse=True)
    return redacted, tuple(unique)


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
