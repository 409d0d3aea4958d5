"""One camera's live channel: a viewer who joins late starts at the last keyframe, a viewer who falls
behind skips to the next keyframe instead of slowing the camera, and a camera that goes away says so."""

from __future__ import annotations

import asyncio

from watchd.pipeline.camera_watch.live import LiveChannel, LiveMessage, Viewer

MIME = 'video/mp4; codecs="avc1.640016"'


def drain(viewer: Viewer) -> list[tuple[str, str | bytes]]:
    out: list[tuple[str, str | bytes]] = []
    while not viewer.queue.empty():
        message: LiveMessage = viewer.queue.get_nowait()
        out.append((message.kind, message.data if message.kind == "data" else message.text))
    return out


async def settle() -> None:
    for _ in range(3):
        await asyncio.sleep(0)


def test_a_late_viewer_starts_at_the_last_keyframe_and_then_follows() -> None:
    async def scenario() -> list[tuple[str, str | bytes]]:
        channel = LiveChannel("cam")
        early = channel.subscribe(asyncio.get_running_loop())
        assert channel.wanted()
        channel.begin(MIME, b"INIT")
        for data, key in ((b"k1", True), (b"p1", False), (b"k2", True), (b"p2", False)):
            channel.fragment(data, keyframe=key)
        late = channel.subscribe(asyncio.get_running_loop())
        channel.fragment(b"p3", keyframe=False)
        await settle()
        assert [m for m in drain(early)] == [
            ("mse", MIME), ("data", b"INIT"), ("data", b"k1"), ("data", b"p1"), ("data", b"k2"), ("data", b"p2"),
            ("data", b"p3"),
        ]
        return drain(late)

    assert asyncio.run(scenario()) == [("mse", MIME), ("data", b"INIT"), ("data", b"k2"), ("data", b"p2"), ("data", b"p3")]


def test_a_viewer_that_falls_behind_skips_to_the_next_keyframe() -> None:
    async def scenario() -> list[tuple[str, str | bytes]]:
        channel = LiveChannel("cam")
        viewer = channel.subscribe(asyncio.get_running_loop())
        viewer.queue = asyncio.Queue(maxsize=4)
        channel.begin(MIME, b"INIT")
        for data in (b"k1", b"p1", b"p2", b"p3", b"p4"):  # the queue holds 4: p3 overflows
            channel.fragment(data, keyframe=data.startswith(b"k"))
        await settle()
        first = drain(viewer)
        assert first == [("mse", MIME), ("data", b"INIT"), ("data", b"k1"), ("data", b"p1")]
        channel.fragment(b"p5", keyframe=False)  # still skipping: useless without its keyframe
        channel.fragment(b"k2", keyframe=True)
        channel.fragment(b"p6", keyframe=False)
        await settle()
        assert viewer.dropped == 4  # p2 (full), p3, p4, p5
        return drain(viewer)

    assert asyncio.run(scenario()) == [("data", b"k2"), ("data", b"p6")]


def test_a_camera_that_goes_away_tells_its_viewers_and_newcomers() -> None:
    async def scenario() -> tuple[list[tuple[str, str | bytes]], list[tuple[str, str | bytes]], bool]:
        channel = LiveChannel("cam")
        viewer = channel.subscribe(asyncio.get_running_loop())
        channel.begin(MIME, b"INIT")
        channel.unavailable("offline")
        newcomer = channel.subscribe(asyncio.get_running_loop())
        await settle()
        channel.unsubscribe(viewer)
        channel.unsubscribe(newcomer)
        return drain(viewer), drain(newcomer), channel.wanted()

    seen, newcomer, wanted = asyncio.run(scenario())
    assert seen == [("mse", MIME), ("data", b"INIT"), ("error", "offline")]
    assert newcomer == [("error", "offline")]
    assert wanted is False  # nobody watches: the camera's thread stops remuxing
