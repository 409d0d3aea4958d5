"""The live view of a watched camera: its own packets remuxed into fragmented MP4, one fragment per picture.

No decoding and no encoding: the H.264 packets the camera watch reads anyway are copied into an
MP4 muxer writing to memory (`empty_moov` gives the init segment at once, `frag_every_frame` a
moof+mdat per picture, so the browser is one picture behind the camera instead of a whole group
of pictures). The bytes go to a `devices.contracts.LiveSink`, which fans them out to viewers.

Browsers here play H.264 in Media Source Extensions; H.265 needs a hardware decoder that the
duty-room PCs do not have (docs/live.md), so an H.265 stream is refused with `codec:hevc`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

import av
import av.error
import av.video.stream

from devices.camera.clip import BufferedPacket, Rebase
from devices.contracts import LiveSink

_LOGGER = logging.getLogger(__name__)
_MOVFLAGS = "empty_moov+default_base_moof+frag_every_frame"
LIVE_CODECS = frozenset({"h264"})


class _Chunks:
    """A write-only, non-seekable file for the muxer: what it wrote since the last `take()`."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def mse_type(init: bytes) -> str:
    """The MSE type of an H.264 init segment, e.g. `video/mp4; codecs="avc1.64001f"` (from its avcC box)."""
    at = init.find(b"avcC")
    if at < 0 or len(init) < at + 8:
        return 'video/mp4; codecs="avc1.42e01e"'  # baseline 3.0: what every H.264 decoder takes
    profile, compatibility, level = init[at + 5], init[at + 6], init[at + 7]
    return f'video/mp4; codecs="avc1.{profile:02x}{compatibility:02x}{level:02x}"'


class LiveRemuxer:
    """One live session of one camera: packets in, an init segment then fragments out to the sink."""

    def __init__(
        self, template: av.video.stream.VideoStream, sink: LiveSink, *, arrival_time: bool = False
    ) -> None:
        self._sink = sink
        self._chunks = _Chunks()
        self._out = av.open(self._chunks, "w", format="mp4", options={"movflags": _MOVFLAGS})
        self._stream = self._out.add_stream_from_template(template)
        self._rebase = Rebase(template, arrival_time=arrival_time)
        self._begun = False
        self._previous_key = False
        self.packets = 0

    def write(self, entry: BufferedPacket) -> None:
        copy = self._rebase.copy(entry, self._stream)
        if copy is None:
            return
        self._out.mux(copy)
        self.packets += 1
        data = self._chunks.take()
        if not self._begun:
            # The first mux writes the header (ftyp + empty moov); the first picture follows with the next one.
            self._begun = True
            self._sink.begin(mse_type(data), data)
        elif data:
            self._sink.fragment(data, keyframe=self._previous_key)
        self._previous_key = entry.keyframe

    def close(self) -> None:
        with contextlib.suppress(av.error.FFmpegError, OSError, ValueError):
            self._out.close()


class LiveTap:
    """Feeds a camera's packets to its live sink while someone watches (used by `PyAvStream`).

    A session starts at the newest keyframe in the pre-buffer, so a viewer sees a picture at once;
    it ends when the last viewer leaves. A muxer error ends the session and the next keyframe starts
    a new one.
    """

    def __init__(self, sink: LiveSink, device_id: str) -> None:
        self.sink = sink
        self.device_id = device_id
        self._remuxer: LiveRemuxer | None = None
        self._refused = False
        self._await_key = False  # after a muxer error: start again at a fresh keyframe

    def feed(
        self,
        entry: BufferedPacket,
        template: av.video.stream.VideoStream,
        codec: str,
        group: Callable[[], list[BufferedPacket]],
        *,
        arrival_time: bool,
    ) -> None:
        """`group()`: the buffered packets from the keyframe at or before `entry` (entry included)."""
        if not self.sink.wanted():
            self.stop()
            self._refused = False
            return
        try:
            if self._remuxer is not None:
                self._remuxer.write(entry)
                return
            if codec not in LIVE_CODECS:
                if not self._refused:
                    self._refused = True
                    self.sink.unavailable(f"codec:{codec}")
                return
            if self._await_key and not entry.keyframe:
                return
            packets = group()
            if not packets:
                return  # no keyframe yet: nothing a browser could start from
            self._await_key = False
            self._remuxer = LiveRemuxer(template, self.sink, arrival_time=arrival_time)
            for packet in packets:
                self._remuxer.write(packet)
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            _LOGGER.warning(
                "camera %s: live view stopped, restarting at the next keyframe: %s", self.device_id, exc
            )
            self.stop()
            self._await_key = True

    def stop(self) -> None:
        remuxer, self._remuxer = self._remuxer, None
        if remuxer is not None:
            remuxer.close()
