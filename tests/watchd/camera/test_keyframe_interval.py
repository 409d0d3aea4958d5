"""Keyframe-only idling only where it cannot be blind: the camera loop measures each connection's
keyframe interval, idles only when it is within the camera's limit, and reports each change of
verdict (the daemon turns it into an administrator notice, and its clearing)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from tests.watchd.camera.conftest import LAWN_ZONE, FakeVideoStream, camera, footage, starts
from watchd.domain.notices import Notice, NoticeKind
from watchd.pipeline.camera_watch.loop import CameraLoop, LoopEvent

NOW = datetime(2026, 11, 23, tzinfo=UTC)
FIX = "请在摄像机设置中把 I 帧间隔设为 2 秒以内，并关闭 H.264+/H.265+ 智能编码"


def test_a_long_keyframe_interval_turns_idling_off_until_the_camera_is_fixed() -> None:
    pictures = footage("vtest.avi")
    smart_codec = [(t, i % 250 == 0, y) for i, (t, _, y) in enumerate(pictures)]  # a keyframe every 25 s
    fixed = [(t, i % 20 == 0, y) for i, (t, _, y) in enumerate(pictures)]  # every 2 s, after the fix
    events: list[LoopEvent] = []
    notices: list[Notice] = []
    loop = CameraLoop(
        camera(zones=[{"name": "草地", "points": LAWN_ZONE}], max_keyframe_interval_s=4), emit=events.append,
        clock=lambda: NOW, media_dir=None, on_keyframes=lambda check: notices.append(check.notice("cam", "3号沙坑", NOW)),
    )
    before_fix = FakeVideoStream(smart_codec)
    loop.run(before_fix, threading.Event())
    assert before_fix.decoded == len(smart_codec)  # never idled: the lawn crossing falls between keyframes
    [crossing] = starts(events)
    assert 52.4 <= crossing.media_s <= 53.0  # two people step onto the lawn at 52.8 s
    assert loop.keyframes.view().warning == (
        "关键帧间隔 25.0 秒，超过 4 秒：仅解码关键帧的空闲模式会漏看两个关键帧之间的画面，已改为逐帧分析（占用更多 CPU）。"
        f"{FIX}。"
    )

    after_fix = FakeVideoStream(fixed)  # the camera reconnects with its new setting
    loop.run(after_fix, threading.Event())
    assert after_fix.decoded < len(fixed) * 0.8  # idling again
    assert loop.keyframes.view().warning is None
    assert [(n.kind, n.subject, n.active, n.details["keyframe_interval_s"]) for n in notices] == [
        (NoticeKind.camera_keyframe_interval, "cam", True, 25.0),
        (NoticeKind.camera_keyframe_interval, "cam", False, 2.0),
    ]
    assert FIX in notices[0].text and "3号沙坑" in notices[0].text
    assert notices[1].text == "摄像机 3号沙坑 的关键帧间隔为 2.0 秒，已恢复仅解码关键帧的空闲模式。"
