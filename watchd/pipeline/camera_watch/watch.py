"""The camera watch: one worker thread per camera, reconnects, offline detection, retention, status.

Each camera's worker thread connects (`devices.registry.open_video_stream`), runs its `CameraLoop`
and records the loop's events itself through the `CameraRecorder`: events are a few per hour, the
database session and the MQTT publisher are thread-safe, so nothing crosses to the event loop. A
dead or slow camera only ever blocks its own thread; a lost connection is retried with backoff
(`devices.backoff`). What needs the event loop stays there: the offline check (a thread stuck in
a connect cannot say it is stuck), which records offline and online transitions in a worker
thread, and the retention task.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from devices.backoff import REAL_TIME, Backoff, Timing
from devices.contracts import DeviceAuthError, DeviceError, VideoStream
from devices.registry import CameraConfig, open_video_stream
from watchd.db.session import Database
from watchd.domain.live import LiveView
from watchd.domain.notices import NoticeSink
from watchd.domain.observations import ObservationSink
from watchd.events.mqtt import MqttPublisher
from watchd.ops.heartbeat import Heartbeat, Heartbeats, staged
from watchd.ops.retention import prune_camera_media
from watchd.pipeline.camera_watch.classify import CameraClassifier
from watchd.pipeline.camera_watch.connection import CameraState, online_change
from watchd.pipeline.camera_watch.detector_pool import DetectorPool, DetectorView
from watchd.pipeline.camera_watch.keyframes import DecodingView
from watchd.pipeline.camera_watch.live import LiveHub, live_view
from watchd.pipeline.camera_watch.loop import CameraLoop, LoopCounters, LoopEvent
from watchd.pipeline.camera_watch.recorder import CameraRecorder
from watchd.settings.cameras import CameraWatchSettings, ClassifySettings
from watchd.vision.motion.events import is_armed

log = logging.getLogger(__name__)
RETENTION_INTERVAL_S = 600.0
CAMERA_BEAT_S = 10.0  # worker threads and offline checks beat at least this often
OFFLINE_CHECK_S = 0.25


@dataclass(slots=True)
class _Running:
    halt: threading.Event
    thread: threading.Thread
    tasks: list[asyncio.Task[None]]


async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


class CameraWatchService:
    """Runs every configured camera; its recorder stores, publishes and reports their events."""

    def __init__(
        self,
        cameras: Sequence[CameraConfig],
        settings: CameraWatchSettings,
        db: Database,
        data_dir: Path,
        clock: Callable[[], datetime],
        zone: ZoneInfo,
        observations: ObservationSink | None = None,
        publisher: MqttPublisher | None = None,
        heartbeats: Heartbeats | None = None,
        notices: NoticeSink | None = None,
        timing: Timing = REAL_TIME,
        detectors: DetectorPool | None = None,
        node: str = "watchd",
    ) -> None:
        self.timing = timing  # reconnect backoff and offline detection (tests drive it)
        self.heartbeats = heartbeats or Heartbeats()
        self.cameras = [c for c in cameras if c.enabled]
        self.settings = settings
        self.db = db
        self.data_dir = data_dir
        self.media_dir = data_dir / "cameras"
        self.clock = clock
        self.zone = zone
        self.publisher = publisher if publisher is not None else (
            MqttPublisher(settings.mqtt, node) if settings.mqtt.enabled else None
        )
        self.recorder = CameraRecorder(
            {c.id: c for c in self.cameras}, db, data_dir, clock, observations=observations,
            publisher=self.publisher, notices=notices,
        )
        self.states: dict[str, CameraState] = {c.id: self._new_state(c) for c in self.cameras}
        self.live = LiveHub(c.id for c in self.cameras)
        # One object detector for the node's cameras (a bounded wait each); off: "none".
        self.detectors = detectors if detectors is not None else DetectorPool(
            settings.classify if self.cameras else ClassifySettings(detector="none")  # no camera: no model loaded
        )
        self._tasks: list[asyncio.Task[None]] = []
        self._running: dict[str, _Running] = {}
        self._started = False

    def _new_state(self, config: CameraConfig) -> CameraState:
        return CameraState(config, started_mono=self.timing.monotonic())

    # --- lifecycle -------------------------------------------------------------------------

    def start(self, *, cameras: bool = True) -> None:
        """Start the shared parts (MQTT, retention) and, unless a lease keeper hands them out one by
        one through `start_camera`, every camera. Call on the event loop."""
        if self._started:
            return
        self._started = True
        if self.cameras and self.publisher is not None:
            self.publisher.start()
        if self.cameras:
            self._tasks.append(asyncio.create_task(self._retention(), name="camera-retention"))
        if cameras:
            for config in self.cameras:
                self.start_camera(config.id)
            log.info("camera watch started %d cameras", len(self.cameras))

    @property
    def watched(self) -> set[str]:
        """The cameras this node watches now (with several nodes, its leased share)."""
        return set(self._running)

    def start_camera(self, camera_id: str) -> None:
        """Watch one camera: its worker thread and its offline check."""
        if camera_id in self._running:
            return
        state = self.states[camera_id] = self._new_state(self.states[camera_id].config)
        config = state.config
        beat = self.heartbeats.register(f"camera:{config.id}", max(CAMERA_BEAT_S, config.open_timeout_s))
        thread = threading.Thread(target=self._worker, args=(state, beat), name=f"camera-watch-{config.id}", daemon=True)
        thread.start()
        self.recorder.watching(camera_id, True)
        check = self.heartbeats.register(f"camera-events:{config.id}", CAMERA_BEAT_S)
        self._running[camera_id] = _Running(state.halt, thread, [
            asyncio.create_task(staged(check, self._watch_online(state, check)), name=f"camera-events:{config.id}"),
        ])

    async def stop_camera(self, camera_id: str) -> None:
        running = self._running.pop(camera_id, None)
        if running is None:
            return
        running.halt.set()
        await asyncio.sleep(0)
        await _cancel(running.tasks)
        await asyncio.to_thread(running.thread.join, 2.0)
        self.recorder.watching(camera_id, False)  # never blocks

    async def stop(self) -> None:
        for camera_id in list(self._running):
            await self.stop_camera(camera_id)
        await _cancel(self._tasks)
        self._tasks = []
        if self.publisher is not None and self._started:
            await asyncio.to_thread(self.publisher.stop)
        self._started = False

    def close(self) -> None:
        for running in self._running.values():
            running.halt.set()

    # --- worker thread ---------------------------------------------------------------------

    def _worker(self, state: CameraState, beat: Heartbeat) -> None:
        with beat:
            self._work(state, beat)

    def _record(self, state: CameraState, event: LoopEvent) -> None:
        """Record one event in the calling thread; a failure is logged and counted, the watch goes on."""
        try:
            self.recorder.record(event)
        except Exception:
            state.dropped_events += 1
            log.exception("camera %s: %s %s not recorded", event.camera_id, event.kind, event.phase)

    def _work(self, state: CameraState, beat: Heartbeat) -> None:
        config = state.config
        try:  # events the last holder of this camera left open
            state.offline_key = "" if self.recorder.close_dangling(config) else None
        except Exception:
            log.exception("camera %s: events left open by the last run not closed", config.id)

        def armed() -> bool:
            now = self.clock().astimezone(self.zone)
            return is_armed(config.armed_windows, now.hour * 60 + now.minute)

        cam_loop = CameraLoop(
            config, emit=lambda event: self._record(state, event), clock=self.clock, media_dir=self.media_dir,
            pre_s=self.settings.pre_s, quiet_s=self.settings.quiet_s, max_clip_s=self.settings.max_clip_s,
            clips=self.settings.clips, armed=armed, on_frame=beat.beat,
            on_keyframes=lambda check: self.recorder.keyframes(config, check), monotonic=self.timing.monotonic,
            classifier=CameraClassifier(config, self.settings.classify, self.detectors) if self.detectors.enabled else None,
        )
        state.loop = cam_loop
        backoff = Backoff(1.0, config.reconnect_max_s, timing=self.timing)
        halt = state.halt
        live = self.live.channel(config.id)
        while not halt.is_set():
            beat.beat()
            frames_before = cam_loop.counters.frames
            stream: VideoStream | None = None
            try:
                stream = open_video_stream(
                    config, realtime=not config.is_network, halt=halt, prebuffer_s=self.settings.pre_s + 4.0,
                    live=live,
                )
                state.stream = stream
                if live is not None:
                    live.connected()
                outcome = cam_loop.run(stream, halt)
                state.stream_stats = dict(stream.stats())
                if outcome == "halted":
                    return
                state.last_error = "end of stream"
            except DeviceError as exc:
                if halt.is_set():  # the read failed after the stop (its connection closed under it): no fault
                    log.debug("camera %s: stopped while reading (%s)", config.id, exc)
                    return
                state.last_error = str(exc)
                level = logging.WARNING if backoff.failed() else logging.DEBUG
                log.log(level, "camera %s: %s; reconnecting with backoff", config.id, exc)
                if isinstance(exc, DeviceAuthError):
                    backoff.hold(config.reconnect_max_s / 2)  # do not lock the camera's account
            except Exception:
                log.exception("camera %s: analysis failed; restarting it", config.id)
                state.last_error = "internal error (see the log)"
                cam_loop.finish(None)
            finally:
                if stream is not None:
                    with contextlib.suppress(Exception):
                        state.stream_stats = dict(stream.stats())
                    state.stream = None
                    stream.close()
                if live is not None:
                    live.unavailable("stopped" if halt.is_set() else "offline")
            if cam_loop.counters.frames > frames_before:
                backoff.worked()
            state.reconnects += 1
            if backoff.wait(halt, beat=beat.beat, beat_every_s=beat.interval_s):
                return

    # --- event loop side -------------------------------------------------------------------

    async def _watch_online(self, state: CameraState, beat: Heartbeat) -> None:
        """Check every quarter second whether the camera went offline or came back; record the change."""
        while True:
            await asyncio.sleep(OFFLINE_CHECK_S)
            beat.beat()
            change = online_change(state, self.timing.monotonic(), self.clock())
            if change is None:
                continue
            if change.event is not None:
                await asyncio.to_thread(self._record, state, change.event)
            else:
                self.recorder.publish_status(state.config.id, change.online)  # never blocks

    async def _retention(self) -> None:
        while True:
            try:
                await asyncio.to_thread(self.prune)
            except Exception:
                log.exception("camera retention failed")
            await asyncio.sleep(RETENTION_INTERVAL_S)

    def prune(self) -> tuple[int, int]:
        """Delete events past `retention_days` and media beyond `max_disk_mb`; (events, files) deleted."""
        return prune_camera_media(
            self.db, self.data_dir, now=self.clock(), days=self.settings.retention_days,
            max_bytes=self.settings.max_disk_mb * 1024 * 1024,
        )

    # --- status ----------------------------------------------------------------------------

    def status(self) -> list[dict[str, object]]:
        out: list[dict[str, object]] = []
        for state in self.states.values():
            loop = state.loop
            counters = loop.counters if loop else LoopCounters()
            out.append({
                "id": state.config.id, "name": state.config.name, "site": state.config.site,
                "online": state.online, "reconnects": state.reconnects, "last_error": state.last_error,
                "dropped_events": state.dropped_events, "frames": counters.frames, "analysed": counters.analysed,
                "suspicions": counters.suspicions, "events": counters.events,
                "stream": state.live_stats(), **_decoding(loop), **self._classification(loop),
                "live": self.live_view(state.config.id).as_dict(),
            })
        return out

    def _classification(self, loop: CameraLoop | None) -> dict[str, object]:
        """The detector's state as this camera sees it, and what its classification did."""
        view = self.detectors.view()
        classifier = loop.classifier if loop is not None else None
        return {
            "detector": view.detector, "detector_state": view.state, "detector_warning": view.warning,
            "detector_ms": view.ms_per_call, "detector_failures": view.failures, "detector_busy": view.busy,
            "ignored_events": classifier.ignored_events if classifier else 0,
            "unknown_events": classifier.unknown_events if classifier else 0,
        }

    def detector_view(self) -> DetectorView:
        return self.detectors.view()

    def decoding(self, camera_id: str) -> DecodingView | None:
        """Keyframe interval, idling and advice of a camera this node watches; None otherwise."""
        state = self.states.get(camera_id)
        if camera_id not in self._running or state is None or state.loop is None:
            return None
        return state.loop.keyframes.view()

    def codec(self, camera_id: str) -> str | None:
        """The video codec of the camera's stream (h264, hevc, mjpeg), once connected; None otherwise."""
        state = self.states.get(camera_id)
        codec = state.live_stats().get("codec") if state is not None else None
        return str(codec) if codec else None

    def live_view(self, camera_id: str) -> LiveView:
        """Whether the camera can be watched live here, and if not why (the camera page and the wall say so)."""
        state = self.states.get(camera_id)
        channel = self.live.channel(camera_id)
        if state is None or channel is None or camera_id not in self._running:
            return LiveView(False, "not_here", 0)
        return live_view(self.codec(camera_id) or "", channel)


def _decoding(loop: CameraLoop | None) -> dict[str, object]:
    view = loop.keyframes.view() if loop is not None else DecodingView(None, False, None)
    return {"keyframe_interval_s": view.keyframe_interval_s, "keyframe_idle": view.idle, "warning": view.warning}
