"""When a watched camera counts as offline and online again: silence on the monotonic clock, in seconds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.watchd.camera.conftest import camera
from watchd.pipeline.camera_watch.connection import CameraState, online_change
from watchd.pipeline.camera_watch.loop import CameraLoop

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def state(**overrides: object) -> CameraState:
    config = camera(id="cam-pit", offline_after_s=30, open_timeout_s=10, **overrides)
    st = CameraState(config, started_mono=100.0)
    st.loop = CameraLoop(config, emit=lambda _e: None, clock=lambda: NOW, media_dir=None)
    return st


def picture(st: CameraState, at_mono: float) -> None:
    assert st.loop is not None
    st.loop.counters.last_frame_mono = at_mono


def test_before_the_first_picture_connecting_may_take_the_open_timeout_too() -> None:
    st = state()
    st.last_error = "camera rtsp://127.0.0.1/x refused the connection (nothing listening)"
    assert online_change(st, 139.9, NOW) is None  # 30 s + 10 s to connect
    change = online_change(st, 140.0, NOW)
    assert change is not None and change.online is False and change.event is not None
    event = change.event
    assert (event.kind, event.phase, event.detail) == ("camera_offline", "start", st.last_error)
    assert event.at == NOW - timedelta(seconds=40)  # when the silence began
    assert event.key == "cam-pit:camera_offline:2026-11-23T01:59:20.000+00:00"
    assert online_change(st, 200.0, NOW) is None  # reported once


def test_offline_after_offline_after_s_without_a_picture_and_back_with_the_next_one() -> None:
    st = state()
    picture(st, 105.0)
    first = online_change(st, 105.0, NOW)
    assert first is not None and first.online is True and first.event is None  # online: only the status
    assert online_change(st, 134.9, NOW) is None
    offline = online_change(st, 135.0, NOW)
    assert offline is not None and offline.event is not None and offline.online is False
    picture(st, 150.0)
    back = online_change(st, 150.2, NOW + timedelta(seconds=15))
    assert back is not None and back.online is True and back.event is not None
    assert (back.event.phase, back.event.key, back.event.at) == ("end", offline.event.key, NOW + timedelta(seconds=15))


def test_an_offline_event_left_by_the_last_run_is_cleared_by_the_first_picture() -> None:
    st = state()
    st.offline_key = ""  # the worker closed a dangling offline event at start
    picture(st, 101.0)
    back = online_change(st, 101.0, NOW)
    assert back is not None and back.online is True and back.event is not None
    assert (back.event.phase, back.event.key) == ("end", "")  # no row of ours: the incident is cleared
