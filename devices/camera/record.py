"""The `record` stream role: event clips cut from the camera's main stream while the substream is analysed.

Cameras send a small substream (e.g. 640x360, Hikvision channel 102, Dahua subtype=1) and a main
stream at full resolution (channel 101, subtype=0). Analysis and the live wall read the substream;
with `record_source` set, a second connection reads the main stream packet by packet (demux only,
never decoded) into its own pre-buffer, and the event clips are cut from it. Without it, clips come
from the substream as before: one URL still serves all three roles.

The two streams have their own clocks, so a clip start is given as "seconds before now" and mapped
onto the main stream's newest packet. The reader reconnects with backoff on its own; while it is
down, clips fall back to the substream.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

import av
import av.error
import av.video.stream

from devices.backoff import REAL_TIME, Backoff, Timing
from devices.camera.clip import BufferedPacket, ClipWriter, PacketRing
from devices.contracts import ClipInfo
from devices.video.source import CameraSource

_LOGGER = logging.getLogger(__name__)


class MainStreamRecorder:
    """A demux-only reader of the main stream with a pre-buffer and at most one open clip (thread-safe)."""

    def __init__(
        self,
        device_id: str,
        source: CameraSource,
        *,
        transport: str = "tcp",
        open_timeout_s: float = 10.0,
        read_timeout_s: float = 10.0,
        prebuffer_s: float = 10.0,
        timing: Timing = REAL_TIME,
    ) -> None:
        self.device_id = device_id
        self.source = source
        self._transport = transport
        self._timeouts = (open_timeout_s, read_timeout_s)
        self._ring = PacketRing(prebuffer_s)
        self._lock = threading.Lock()
        self._halt = threading.Event()
        self._timing = timing
        self._template: av.video.stream.VideoStream | None = None
        self._clip: ClipWriter | None = None
        self._clip_from_s = 0.0
        self._newest_s: float | None = None
        self._seq = 0
        self.connected = False
        self.last_error = ""
        self._thread = threading.Thread(target=self._run, name=f"camera-record-{device_id}", daemon=True)
        self._thread.start()

    # --- clips (the camera's worker thread) ------------------------------------------------------

    def start_clip(self, path: str, seconds_back: float) -> bool:
        """Start a clip `seconds_back` before the newest packet; False when the main stream is not there."""
        with self._lock:
            if self._clip is not None:
                return True
            if self._template is None or self._newest_s is None or not self.connected:
                return False
            try:
                writer = ClipWriter(path, self._template)
                writer.write_all(self._ring.from_keyframe_at_or_before(self._newest_s - seconds_back))
            except (av.error.FFmpegError, OSError, ValueError) as exc:
                _LOGGER.warning(
                    "camera %s: main-stream clip %s could not be started: %s", self.device_id, path, exc
                )
                return False
            self._clip = writer
            return True

    def stop_clip(self) -> ClipInfo | None:
        with self._lock:
            writer, self._clip = self._clip, None
        return writer.close() if writer is not None else None

    def close(self) -> None:
        self._halt.set()
        with contextlib.suppress(Exception):
            self.stop_clip()
        self._thread.join(timeout=max(self._timeouts) + 2)

    # --- the reader thread -----------------------------------------------------------------------

    def _run(self) -> None:
        backoff = Backoff(1.0, 30.0, timing=self._timing)
        while not self._halt.is_set():
            try:
                self._read()
                backoff.worked()
            except Exception as exc:  # any failure of the main stream: reconnect; clips fall back meanwhile
                self.last_error = self.source.scrub(str(exc) or type(exc).__name__)
                if backoff.failed():
                    _LOGGER.warning(
                        "camera %s: main stream for clips: %s; reconnecting", self.device_id, self.last_error
                    )
            finally:
                self.connected = False
            if backoff.wait(self._halt):
                return

    def _read(self) -> None:
        options = (
            {"rtsp_transport": self._transport}
            if self.source.raw.lower().startswith(("rtsp://", "rtsps://"))
            else {}
        )
        with av.open(self.source.raw, options=options, timeout=self._timeouts) as container:
            stream = container.streams.video[0]
            with self._lock:
                self._template = stream
                self._ring = PacketRing(self._ring.keep_s)
            self.connected = True
            packet: Any
            for packet in container.demux(stream):
                if self._halt.is_set():
                    return
                if not packet.size or packet.pts is None or packet.time_base is None:
                    continue
                self._seq += 1
                entry = BufferedPacket(
                    self._seq, packet, float(packet.pts * packet.time_base), bool(packet.is_keyframe)
                )
                with self._lock:
                    self._ring.add(entry)
                    self._newest_s = (
                        entry.pts_s if self._newest_s is None else max(self._newest_s, entry.pts_s)
                    )
                    if self._clip is not None:
                        try:
                            self._clip.write(entry)
                        except (av.error.FFmpegError, OSError, ValueError) as exc:
                            _LOGGER.warning(
                                "camera %s: main-stream clip write failed: %s", self.device_id, exc
                            )
                            self._clip.close()
                            self._clip = None
