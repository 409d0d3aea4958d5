"""Reading one camera with PyAV: adaptive decoding of the luma plane, a packet pre-buffer, clips.

Blocking; runs in the camera watch's worker thread (PyAV releases the GIL while it decodes).

- Network sources open with FFmpeg's own timeouts (`timeout=(open, read)`), RTSP over TCP by
  default (`rtsp_transport`), UDP on request; HTTP MJPEG and files open the same way.
- Adaptive decoding: with `keyframes_only`, only keyframe packets reach the decoder
  (`skip_frame = "NONKEY"` as well), at most one picture per `idle_interval_s` and never a longer
  gap (with 2 s, a camera with a keyframe every second is looked at on every other one; MJPEG, all
  keyframes, every 2 s). Every packet is still read and kept in the pre-buffer, and remuxed for
  the live view while someone watches (`devices.camera.live`).
- Switching to full decoding may replay the buffered packets from an earlier keyframe, so the
  pictures between the last two keyframes are analysed too (accurate onset, no waiting for the
  next keyframe).
- The keyframe interval is measured on every packet (`keyframe_interval_s`). While keyframes
  only, a gap longer than `idle_max_gap_s` since the last keyframe switches to full decoding by
  itself, replaying from that keyframe: a camera with a long I-frame interval ("smart codec") is
  never watched blind between its keyframes.
- Streams without timestamps (HTTP MJPEG: the demuxer would number the pictures as if 25 came
  a second) are timed by arrival; files without any (raw .h264) by their frame rate.
- Damaged data is skipped or concealed, counted (`decode_errors`, `corrupt`), named in
  `stats()["problem"]` while it lasts and logged once per connection.
- Only the Y plane is used: a view into the decoder's buffer, shrunk with one strided
  `cv2.resize(INTER_AREA)`. Colour is converted only for an event snapshot.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping
from typing import Any

import av
import av.error
import av.video.frame
import cv2
import numpy as np
import numpy.typing as npt

from devices.camera.clip import BufferedPacket, ClipWriter, PacketRing
from devices.camera.live import LiveTap
from devices.camera.record import MainStreamRecorder
from devices.contracts import ClipInfo, DeviceAuthError, DeviceError, DeviceUnavailable, LiveSink, LumaFrame
from devices.video.source import CameraSource

_LOGGER = logging.getLogger(__name__)
_MAX_CONSECUTIVE_DECODE_ERRORS = 100
_Y_FIRST = ("yuv", "yuvj", "nv12", "nv21", "nv16", "gray")
_AVFMT_NOTIMESTAMPS = 0x0080  # libavformat: the format carries no timestamps; the demuxer invents them
_KEY_INTERVALS_KEPT = 8  # the keyframe interval is the longest of the last few


def describe_error(exc: BaseException, source: CameraSource) -> DeviceError:
    """A driver error with a clear, password-free message for an exception from PyAV/FFmpeg."""
    where = source.redacted
    if isinstance(exc, av.error.HTTPUnauthorizedError | av.error.HTTPForbiddenError | PermissionError):
        return DeviceAuthError(f"camera {where} refused the credentials (wrong user name or password)")
    if isinstance(exc, FileNotFoundError | av.error.HTTPNotFoundError):
        return DeviceUnavailable(f"{where}: not found")
    if isinstance(exc, av.error.InvalidDataError):
        return DeviceUnavailable(f"{where}: not a video file or stream (no decodable video data)")
    if isinstance(exc, av.error.ExitError | TimeoutError):
        return DeviceUnavailable(f"camera {where} did not answer in time")
    if isinstance(exc, ConnectionRefusedError):
        return DeviceUnavailable(f"camera {where} refused the connection (nothing listening)")
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return DeviceUnavailable(source.scrub(f"camera {where}: {text}"))


def luma_view(frame: av.video.frame.VideoFrame) -> npt.NDArray[np.uint8]:
    """The picture's Y plane as a view of the decoder's buffer (no copy); grey conversion otherwise."""
    if frame.format.name.startswith(_Y_FIRST):
        plane = frame.planes[0]
        flat = np.frombuffer(memoryview(plane), dtype=np.uint8)
        return flat.reshape(plane.height, plane.line_size)[:, : plane.width]
    return np.asarray(frame.to_ndarray(format="gray"), dtype=np.uint8)


def shrink(luma: npt.NDArray[np.uint8], width: int) -> npt.NDArray[np.uint8]:
    """Shrink by the whole factor that brings the width nearest to `width`, cheaply.

    A whole factor keeps OpenCV's area averaging on its fast path; big factors take a stride
    first (1920 wide: every 3rd pixel, then 2x2 averaging).
    """
    h, w = luma.shape
    factor = max(1, round(w / width))
    if factor == 1:
        return np.ascontiguousarray(luma)
    size = (max(2, w // factor), max(2, h // factor))
    step = factor // 2 if factor >= 4 and factor % 2 == 0 else (factor if factor >= 5 else 1)
    view = luma[::step, ::step] if step > 1 else luma
    return np.asarray(cv2.resize(view, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


class PyAvStream:
    """A `devices.contracts.VideoStream` over PyAV (see the module docstring)."""

    def __init__(
        self,
        *,
        device_id: str,
        source: CameraSource,
        transport: str = "tcp",
        open_timeout_s: float = 10.0,
        read_timeout_s: float = 10.0,
        analysis_width: int = 320,
        prebuffer_s: float = 6.0,
        idle_interval_s: float = 1.0,
        idle_max_gap_s: float | None = None,
        realtime: bool = False,
        halt: threading.Event | None = None,
        live: LiveSink | None = None,
        record: MainStreamRecorder | None = None,
    ) -> None:
        self.device_id = device_id
        self.source = source
        self._analysis_width = analysis_width
        self._idle_interval_s = idle_interval_s
        self._idle_max_gap_s = idle_max_gap_s
        self._realtime = realtime
        self._halt = halt or threading.Event()
        options: dict[str, str] = {}
        if source.raw.lower().startswith(("rtsp://", "rtsps://")):
            options["rtsp_transport"] = transport
        try:
            self._container = av.open(source.raw, options=options, timeout=(open_timeout_s, read_timeout_s))
        except Exception as exc:
            raise describe_error(exc, source) from None
        try:
            if not self._container.streams.video:
                raise DeviceUnavailable(f"{source.redacted}: has no video stream")
            self._stream = self._container.streams.video[0]
            self._ctx = self._stream.codec_context
            self._ctx.thread_count = 1  # one camera, one thread: cameras run in parallel, not frames
            self._demux: Iterator[av.Packet[Any]] = self._container.demux(self._stream)
            # HTTP MJPEG (and other live streams without timestamps): the demuxer numbers the
            # pictures as if 25 came a second, whatever the camera sends; arrival time is the truth.
            self._arrival_time = not source.is_file and bool(self._container.format.flags & _AVFMT_NOTIMESTAMPS)
        except BaseException:
            self._container.close()
            raise
        self._ring = PacketRing(prebuffer_s)
        self._live = LiveTap(live, device_id) if live is not None else None
        self._record = record  # the main stream for clips (the `record` role), when configured
        self._record_clip_from: float | None = None
        self._replay: deque[BufferedPacket] = deque()
        self._frames: deque[LumaFrame] = deque()
        self._clip: ClipWriter | None = None
        self._keyframes_only = False
        self._need_key = True
        self._last_key_s: float | None = None  # media time of the last keyframe packet read
        self._last_packet_s = 0.0
        self._key_intervals: deque[float] = deque(maxlen=_KEY_INTERVALS_KEPT)
        self._seq = 0
        self._t0: float | None = None
        self._wall_t0: float | None = None
        self._shift = 0.0
        self._last_raw_s: float | None = None
        self._last_idle_decode = -1e9
        self._wall0: float | None = None
        self._last_frame: av.video.frame.VideoFrame | None = None
        self._last_frame_s = 0.0
        self._drained = False
        self._decode_errors_run = 0
        self._warned_decode = False
        self._problem = ""  # what is wrong with the data right now ("" while it decodes cleanly)
        # A file without any timestamps (raw .h264, .mjpeg): its pictures are timed by its frame rate.
        rate = self._stream.guessed_rate if source.is_file else None
        self._file_rate = float(rate) if rate else None
        self.counters: dict[str, int] = {
            "packets": 0, "bytes": 0, "decoded": 0, "keyframes_decoded": 0, "decode_errors": 0, "corrupt": 0,
            "replays": 0, "idle_fallbacks": 0,
        }

    # --- VideoStream -----------------------------------------------------------------------

    @property
    def keyframes_only(self) -> bool:
        return self._keyframes_only

    @property
    def keyframe_interval_s(self) -> float | None:
        if not self._key_intervals or self._last_key_s is None:
            return None
        return max(*self._key_intervals, self._last_packet_s - self._last_key_s)

    @property
    def codec(self) -> str:
        return str(self._ctx.name)

    def set_keyframes_only(self, value: bool, *, replay_from_s: float | None = None) -> None:
        if value == self._keyframes_only and replay_from_s is None:
            return
        self._keyframes_only = value
        self._ctx.skip_frame = "NONKEY" if value else "DEFAULT"
        self._frames.clear()
        with contextlib.suppress(av.error.FFmpegError):
            self._ctx.flush_buffers()
        if value:
            return
        replay = self._ring.from_keyframe_at_or_before(replay_from_s) if replay_from_s is not None else []
        if replay:
            self._replay.extend(replay)
            self.counters["replays"] += 1
            self._need_key = False
        else:
            self._need_key = True  # non-key packets are useless until the decoder has a keyframe

    def read(self) -> LumaFrame | None:
        while True:
            if self._frames:
                frame = self._frames.popleft()
                self._pace(frame.pts_s)
                return frame
            entry = self._next_entry()
            if entry is None:
                if self._drained:
                    return None
                self._drained = True
                if not self._keyframes_only:
                    self._decode(None)  # the pictures still held for reordering
                continue
            if self._idle_gap_too_long(entry):
                continue
            if self._should_decode(entry):
                self._decode(entry)

    def snapshot_bgr(self) -> npt.NDArray[np.uint8] | None:
        if self._last_frame is None:
            return None
        return np.asarray(self._last_frame.to_ndarray(format="bgr24"), dtype=np.uint8)

    def start_clip(self, path: str, from_s: float) -> None:
        if self._clip is not None or self._record_clip_from is not None:
            return
        if self._record is not None and self._record.start_clip(path, max(0.0, self._last_packet_s - from_s)):
            self._record_clip_from = from_s  # cut from the main stream; its clock is not this stream's
            return
        try:
            writer = ClipWriter(path, self._stream, arrival_time=self._arrival_time)
            # Replayed packets are in the ring already; the clip continues with packets read from now on.
            writer.write_all(self._ring.from_keyframe_at_or_before(from_s))
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            _LOGGER.warning("camera %s: clip %s could not be started: %s", self.device_id, path, exc)
            return
        self._clip = writer

    def stop_clip(self) -> ClipInfo | None:
        start, self._record_clip_from = self._record_clip_from, None
        if start is not None and self._record is not None:
            info = self._record.stop_clip()
            if info is None:
                return None
            return ClipInfo(path=info.path, start_s=start, end_s=start + info.end_s - info.start_s, size_bytes=info.size_bytes)
        writer, self._clip = self._clip, None
        return writer.close() if writer is not None else None

    def stats(self) -> Mapping[str, object]:
        interval = self.keyframe_interval_s
        return {
            **self.counters, "mode": "keyframes" if self._keyframes_only else "full", "codec": self.codec,
            "problem": self._problem, "keyframe_interval_s": None if interval is None else round(interval, 2),
        }

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
        with contextlib.suppress(Exception):
            self.stop_clip()
        if self._record is not None:
            self._record.close()
        with contextlib.suppress(Exception):
            self._container.close()

    # --- internals -------------------------------------------------------------------------

    def _next_entry(self) -> BufferedPacket | None:
        if self._replay:
            return self._replay.popleft()
        while True:
            try:
                packet = next(self._demux)
            except StopIteration:
                return None
            except av.error.EOFError:
                return None
            except Exception as exc:
                raise describe_error(exc, self.source) from None
            if packet.size == 0:
                continue  # the demuxer's end-of-stream marker
            self._seq += 1
            entry = BufferedPacket(self._seq, packet, self._media_s(packet), bool(packet.is_keyframe))
            self._measure_keyframes(entry)
            self.counters["packets"] += 1
            self.counters["bytes"] += packet.size
            self._ring.add(entry)
            if self._clip is not None:
                try:
                    self._clip.write(entry)
                except (av.error.FFmpegError, OSError, ValueError) as exc:
                    _LOGGER.warning("camera %s: clip write failed, clip closed: %s", self.device_id, exc)
                    self.stop_clip()
            if self._live is not None:
                self._live.feed(
                    entry, self._stream, self.codec, functools.partial(self._ring.from_keyframe_at_or_before, entry.pts_s),
                    arrival_time=self._arrival_time,
                )
            return entry

    def _measure_keyframes(self, entry: BufferedPacket) -> None:
        self._last_packet_s = max(self._last_packet_s, entry.pts_s)
        if not entry.keyframe:
            return
        if self._last_key_s is not None and entry.pts_s > self._last_key_s:
            self._key_intervals.append(entry.pts_s - self._last_key_s)
        self._last_key_s = entry.pts_s

    def _idle_gap_too_long(self, entry: BufferedPacket) -> bool:
        """While keyframes only: no keyframe for longer than the idle limit? Then decode every picture
        from the last keyframe on (the packets are in the pre-buffer); True when it switched."""
        if (
            not self._keyframes_only or self._idle_max_gap_s is None or entry.keyframe or self._last_key_s is None
            or entry.pts_s - self._last_key_s <= self._idle_max_gap_s
        ):
            return False
        self.counters["idle_fallbacks"] += 1
        _LOGGER.debug(
            "camera %s: no keyframe for %.1f s; decoding every picture", self.device_id, entry.pts_s - self._last_key_s
        )
        self.set_keyframes_only(False, replay_from_s=self._last_key_s)
        return True

    def _media_s(self, packet: av.Packet[Any]) -> float:
        raw = None if self._arrival_time else packet.pts if packet.pts is not None else packet.dts
        if raw is None or packet.time_base is None:
            if self._last_raw_s is not None and self._t0 is not None:
                return self._last_raw_s - self._t0 + self._shift  # a packet without a time: as the last one
            if self._file_rate is not None:
                return (self._seq - 1) / self._file_rate
            # A source without timestamps at all (some MJPEG): arrival time.
            now = time.monotonic()
            if self._wall_t0 is None:
                self._wall_t0 = now
            return now - self._wall_t0
        seconds = float(raw * packet.time_base)
        if self._t0 is None:
            self._t0 = seconds
        if self._last_raw_s is not None and seconds < self._last_raw_s - 2.0:
            # The camera restarted its clock: keep media time going forward.
            self._shift += self._last_raw_s - seconds
        self._last_raw_s = seconds
        return seconds - self._t0 + self._shift

    def _frame_s(self, frame: av.video.frame.VideoFrame, entry: BufferedPacket) -> float:
        time_base = frame.time_base or self._stream.time_base
        if frame.pts is None or time_base is None or self._t0 is None or self._last_raw_s is None:
            return entry.pts_s
        return float(frame.pts * time_base) - self._t0 + self._shift

    def _should_decode(self, entry: BufferedPacket) -> bool:
        if self._need_key:
            if not entry.keyframe:
                return False
            self._need_key = False
        if not self._keyframes_only:
            return True
        if not entry.keyframe:
            return False
        # At most one picture per `idle_interval_s`, and never longer blind than that (5 % for jittery
        # timestamps): a keyframe is skipped only when the next one, a measured interval later, still
        # comes in time. A camera with a keyframe every second is looked at every 2 s, one with a
        # keyframe every 1.5 s at each.
        since = entry.pts_s - self._last_idle_decode
        if since + max(self._key_intervals, default=0.0) <= self._idle_interval_s * 1.05:
            return False
        self._last_idle_decode = entry.pts_s
        return True

    def _decode(self, entry: BufferedPacket | None) -> None:
        """Decode one packet (None: drain the decoder at the end of a file) into `_frames`."""
        try:
            if entry is None:
                frames = self._ctx.decode(None)
            elif self._keyframes_only:
                # A lone keyframe must come out now, not after the reorder delay (which would be
                # whole keyframe intervals here): drain, then reset the decoder.
                frames = [*self._ctx.decode(entry.packet), *self._ctx.decode(None)]
                self._ctx.flush_buffers()
            else:
                frames = self._ctx.decode(entry.packet)
        except av.error.FFmpegError as exc:
            self.counters["decode_errors"] += 1
            self._decode_errors_run += 1
            self._bad_data(f"undecodable data, skipping it ({exc})")
            if self._decode_errors_run > _MAX_CONSECUTIVE_DECODE_ERRORS:
                raise DeviceUnavailable(
                    f"camera {self.source.redacted}: {self._decode_errors_run} packets in a row could not be decoded"
                ) from None
            self._need_key = True
            return
        self._decode_errors_run = 0
        for frame in frames:
            if entry is None:
                entry = BufferedPacket(self._seq, av.Packet(), self._last_frame_s, False)
            if frame.is_corrupt:
                # Lost or damaged data the decoder concealed (MPEG-TS or RTP losses, a cut packet).
                self.counters["corrupt"] += 1
                self._bad_data("damaged data, pictures decoded with errors")
            else:
                self._problem = ""
            self.counters["decoded"] += 1
            if frame.key_frame:
                self.counters["keyframes_decoded"] += 1
            self._last_frame = frame
            luma = shrink(luma_view(frame), self._analysis_width)
            pts_s = self._frame_s(frame, entry)
            self._last_frame_s = pts_s
            self._frames.append(
                LumaFrame(
                    device_id=self.device_id, pts_s=pts_s, keyframe=bool(frame.key_frame),
                    luma=luma, source_size=(frame.width, frame.height),
                )
            )

    def _bad_data(self, problem: str) -> None:
        """Note what is wrong with the data (see `stats()["problem"]`); warn once per connection."""
        self._problem = problem
        if not self._warned_decode:
            self._warned_decode = True
            _LOGGER.warning("camera %s: %s", self.device_id, problem)

    def _pace(self, pts_s: float) -> None:
        """Play a file at its own speed, as a camera would send it."""
        if not self._realtime:
            return
        now = time.monotonic()
        if self._wall0 is None:
            self._wall0 = now - pts_s
        delay = self._wall0 + pts_s - now
        if delay > 0:
            self._halt.wait(delay)
