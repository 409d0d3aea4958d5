"""Clips cut from the camera's own packets: remuxed, never re-encoded."""

from __future__ import annotations

import contextlib
import logging
import os
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import av
import av.error
import av.video.stream

from devices.contracts import ClipInfo

_LOGGER = logging.getLogger(__name__)
# Codecs MP4 carries well (and browsers play); anything else (MJPEG, ...) goes into Matroska.
_MP4_CODECS = frozenset({"h264", "hevc"})
_MILLISECOND = Fraction(1, 1000)


@dataclass(slots=True)
class BufferedPacket:
    seq: int
    packet: av.Packet[Any]
    pts_s: float
    keyframe: bool


class PacketRing:
    """The packets of the last `keep_s` seconds in whole groups of pictures (each starts at a keyframe).

    Bounded by time and by bytes; the oldest group goes first. This is the pre-buffer for clips
    and the source for re-decoding the current group when full decoding starts.
    """

    def __init__(self, keep_s: float, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.keep_s = keep_s
        self.max_bytes = max_bytes
        self._entries: deque[BufferedPacket] = deque()
        self._keys: deque[BufferedPacket] = deque()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, entry: BufferedPacket) -> None:
        if entry.keyframe:
            self._keys.append(entry)
        elif not self._keys:
            return  # nothing decodable before the first keyframe
        self._entries.append(entry)
        self._bytes += entry.packet.size
        newest = entry.pts_s
        while len(self._keys) >= 2 and (
            self._keys[1].pts_s <= newest - self.keep_s or self._bytes > self.max_bytes
        ):
            self._drop_before(self._keys[1].seq)
            self._keys.popleft()
        while len(self._entries) > 20_000:  # a stream that never sends another keyframe
            old = self._entries.popleft()
            self._bytes -= old.packet.size

    def _drop_before(self, seq: int) -> None:
        while self._entries and self._entries[0].seq < seq:
            old = self._entries.popleft()
            self._bytes -= old.packet.size

    def from_keyframe_at_or_before(self, t: float) -> list[BufferedPacket]:
        """Every buffered packet from the last keyframe at or before media time `t` (or the oldest one)."""
        start = None
        for key in self._keys:
            if key.pts_s <= t + 1e-6:
                start = key.seq
            else:
                break
        if start is None:
            start = self._keys[0].seq if self._keys else None
        if start is None:
            return []
        return [e for e in self._entries if e.seq >= start]


class Rebase:
    """The packets of one output, copied with timestamps starting at zero at its first keyframe.

    Shared by the clip files and the live view. With `arrival_time` (a live stream without
    timestamps, e.g. HTTP MJPEG, whose demuxer numbers the pictures as if 25 came a second) the
    pictures are timed by their media time instead. Out-of-order or repeated packets, which a
    muxer would refuse, are dropped.
    """

    def __init__(self, template: av.video.stream.VideoStream, *, arrival_time: bool = False) -> None:
        self._time_base: Fraction | None = template.time_base
        self._arrival_time = arrival_time
        self._base: int | None = None
        self._last_dts: int | None = None
        self.start_s: float | None = None

    def copy(self, entry: BufferedPacket, stream: av.video.stream.VideoStream) -> av.Packet[Any] | None:
        """A copy of the entry's packet for `stream`, rebased; None when it must be left out."""
        src = entry.packet
        pts = src.pts if src.pts is not None else src.dts
        dts = src.dts if src.dts is not None else pts
        time_base = src.time_base or self._time_base
        if self._arrival_time:
            pts = dts = round(entry.pts_s * 1000)
            if self._base is not None and self._last_dts is not None:
                pts = dts = max(dts, self._base + self._last_dts + 1)  # pictures that arrived together
            time_base = _MILLISECOND
        if pts is None or dts is None:
            return None
        if self._base is None:
            if not entry.keyframe:
                return None  # an output must start with a keyframe
            self._base = dts
            self.start_s = entry.pts_s
        if self._last_dts is not None and dts - self._base <= self._last_dts:
            return None  # out-of-order or repeated packet: the muxer would refuse it
        copy = av.Packet(bytes(src))
        copy.pts = pts - self._base
        copy.dts = dts - self._base
        if time_base is not None:
            copy.time_base = time_base
        copy.is_keyframe = entry.keyframe
        if src.duration and not self._arrival_time:
            copy.duration = src.duration
        copy.stream = stream
        self._last_dts = dts - self._base
        return copy


class ClipWriter:
    """Writes packets into an MP4 (H.264/H.265) or Matroska file with timestamps starting at zero."""

    def __init__(self, base_path: str, template: av.video.stream.VideoStream, *, arrival_time: bool = False) -> None:
        codec = template.codec_context.name
        self.path = base_path + (".mp4" if codec in _MP4_CODECS else ".mkv")
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        self._out = av.open(self.path, "w")
        self._stream = self._out.add_stream_from_template(template)
        self._rebase = Rebase(template, arrival_time=arrival_time)
        self.end_s = 0.0
        self.packets = 0

    @property
    def start_s(self) -> float | None:
        return self._rebase.start_s

    def write_all(self, entries: Iterable[BufferedPacket]) -> None:
        for entry in entries:
            self.write(entry)

    def write(self, entry: BufferedPacket) -> None:
        copy = self._rebase.copy(entry, self._stream)
        if copy is None:
            return
        self._out.mux(copy)
        self.end_s = max(self.end_s, entry.pts_s)
        self.packets += 1

    def close(self) -> ClipInfo | None:
        try:
            self._out.close()
        except av.error.FFmpegError as exc:
            _LOGGER.warning("clip %s could not be finished: %s", self.path, exc)
        if not self.packets or self.start_s is None:
            with contextlib.suppress(OSError):
                os.remove(self.path)
            return None
        return ClipInfo(path=self.path, start_s=self.start_s, end_s=self.end_s, size_bytes=os.path.getsize(self.path))
