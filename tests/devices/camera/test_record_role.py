"""Stream roles over real RTSP: analysis on the substream, event clips cut from the main stream at full
resolution when `record_source` is set, and from the substream when the main stream is not there."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import av
import pytest

from devices.registry import CameraConfig, open_video_stream
from tests.datasets import require_shared_data
from watchd.settings import ConfigError, load_settings


def camera(**extra: Any) -> CameraConfig:
    return CameraConfig.model_validate({"id": "cam", "kind": "camera", "site": "pit", **extra})


def clip_of(config: CameraConfig, tmp_path: Path) -> tuple[tuple[int, int], float]:
    """Read the substream for a while, cut a clip from 2 s back to 2 s ahead; its size and length."""
    stream = open_video_stream(config, realtime=False, prebuffer_s=8.0)
    try:
        deadline = time.monotonic() + 6
        frame = stream.read()
        while time.monotonic() < deadline:
            frame = stream.read()
        assert frame is not None
        stream.start_clip(str(tmp_path / "event"), frame.pts_s - 2.0)
        until = time.monotonic() + 2
        while time.monotonic() < until:
            stream.read()
        info = stream.stop_clip()
    finally:
        stream.close()
    assert info is not None and Path(info.path).is_file()
    with av.open(info.path) as clip:
        video = clip.streams.video[0]
        size = (video.codec_context.width, video.codec_context.height)
        frames = sum(1 for _ in clip.decode(video))
    assert abs((info.end_s - info.start_s) - frames / 10) < 1.0
    return size, info.end_s - info.start_s


def test_clips_come_from_the_main_stream_at_full_resolution(tmp_path: Path, rtsp_server_factory: Any) -> None:
    video = require_shared_data("video", "vtest.avi")
    sub = rtsp_server_factory(video, size="384x288")
    main = rtsp_server_factory(video, size="768x576")
    size, length = clip_of(camera(source=sub.url(), record_source=main.url()), tmp_path)
    assert size == (768, 576)
    assert 3.0 <= length <= 6.5  # the pre-buffer before the event and the seconds after it


def test_without_the_main_stream_clips_come_from_the_substream(
    tmp_path: Path, rtsp_server_factory: Any
) -> None:
    sub = rtsp_server_factory(require_shared_data("video", "vtest.avi"), size="384x288")
    size, _ = clip_of(camera(source=sub.url(), record_source="rtsp://127.0.0.1:1/nothing"), tmp_path)
    assert size == (384, 288)


def test_a_main_stream_address_with_a_password_is_refused_with_where(tmp_path: Path) -> None:
    path = tmp_path / "watchd.toml"
    path.write_text(
        'township = "t"\n[[sites]]\nid = "pit"\nname = "3号沙坑"\nkind = "protected_site"\n[[devices]]\nid = "cam"\n'
        'kind = "camera"\nsite = "pit"\nsource = "rtsp://10.0.0.5/Streaming/Channels/102"\n'
        'record_source = "rtsp://admin:secret@10.0.0.5/Streaming/Channels/101"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as refused:
        load_settings(path)
    assert refused.value.problems == [
        "devices.0.camera.record_source: the URL contains a password: remove it and name a variable in password_env "
        "instead"
    ]
