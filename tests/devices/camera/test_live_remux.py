"""The live view remuxes a camera's own packets into fragmented MP4 that a player can decode, without
decoding anything itself: with the stream idling on keyframes, every picture still reaches the viewer."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import av
import pytest

from devices.camera.stream import PyAvStream
from devices.video.source import resolve_source
from tests.datasets import require_shared_data
from tests.integration import need


class RecordingSink:
    """A LiveSink that keeps what it is given (what a viewer would receive)."""

    def __init__(self, wanted: bool = True) -> None:
        self.watching = wanted
        self.mime = ""
        self.init = b""
        self.fragments: list[tuple[bytes, bool]] = []
        self.refusals: list[str] = []

    def wanted(self) -> bool:
        return self.watching

    def begin(self, mime: str, init: bytes) -> None:
        self.mime, self.init = mime, init
        self.fragments.clear()

    def fragment(self, data: bytes, *, keyframe: bool) -> None:
        self.fragments.append((data, keyframe))

    def unavailable(self, reason: str) -> None:
        self.refusals.append(reason)


def read_all(path: Path, sink: RecordingSink, *, keyframes_only: bool) -> PyAvStream:
    stream = PyAvStream(device_id="cam", source=resolve_source(str(path), None, where="test"), live=sink)
    stream.set_keyframes_only(keyframes_only)
    while stream.read() is not None:
        pass
    stream.close()
    return stream


def decode(data: bytes) -> tuple[str, int, int, int]:
    with av.open(io.BytesIO(data)) as container:
        video = container.streams.video[0]
        frames = sum(1 for _ in container.decode(video))
        return video.codec_context.name, video.codec_context.width, video.codec_context.height, frames


def test_an_idle_camera_is_remuxed_picture_by_picture_while_only_keyframes_are_decoded() -> None:
    clip = require_shared_data("video", "vtest_h264_gop2s.mp4")
    with av.open(str(clip)) as source:
        video = source.streams.video[0]
        width, height = video.codec_context.width, video.codec_context.height
        packets = sum(1 for p in source.demux(video) if p.size)
    sink = RecordingSink()
    stream = read_all(clip, sink, keyframes_only=True)

    assert sink.mime.startswith('video/mp4; codecs="avc1.')
    assert sink.init[4:8] == b"ftyp" and b"moov" in sink.init
    assert sink.fragments[0][1] is True  # a viewer starts on a keyframe
    assert all(data[4:8] == b"moof" for data, _ in sink.fragments)
    # Every picture but the one the muxer holds until the next arrives, as the same H.264, same size.
    assert len(sink.fragments) == packets - 1
    codec, w, h, frames = decode(sink.init + b"".join(d for d, _ in sink.fragments))
    assert (codec, w, h, frames) == ("h264", width, height, packets - 1)
    # The analysis decoded only keyframes: the live view cost no decoding.
    stats = stream.stats()
    assert stats["decoded"] == stats["keyframes_decoded"] < packets / 10


def test_nobody_watching_means_no_remuxing() -> None:
    sink = RecordingSink(wanted=False)
    read_all(require_shared_data("video", "vtest_h264_gop2s.mp4"), sink, keyframes_only=True)
    assert (sink.init, sink.fragments, sink.refusals) == (b"", [], [])


def test_an_h265_stream_is_refused_once_with_its_codec(tmp_path: Path) -> None:
    need(shutil.which("ffmpeg") is not None, "ffmpeg missing")
    clip = tmp_path / "h265.mp4"
    done = subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10", "-t", "2", "-c:v", "libx265",
         "-x265-params", "log-level=none", str(clip)], capture_output=True, timeout=120,
    )
    if done.returncode != 0:
        pytest.skip(f"this ffmpeg cannot encode H.265: {done.stderr[-200:]!r}")
    sink = RecordingSink()
    read_all(clip, sink, keyframes_only=False)
    assert sink.refusals == ["codec:hevc"] and sink.fragments == []
