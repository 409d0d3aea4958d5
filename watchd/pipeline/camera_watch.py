"""Protected-site camera watch: one independent pipeline per camera.

Why the loop lives here and the driver is a library (`devices.registry.open_video_stream`):
adaptive decoding needs the analysis to steer the decoder picture by picture (keyframes only
while quiet - once the camera's keyframe interval is measured within its limit, see keyframes.py -
every picture - re-decoded from the last keyframe - as soon as a keyframe suggests motion,
keyframes again when quiet), and clips need the packets the decoder saw. Passing every
decoded picture to the event loop and the decisions back would add a hop and a queue per picture
for nothing; so one worker thread per camera reads, decodes and analyses (PyAV and OpenCV
release the GIL), and only events - a few per hour - cross to the asyncio side through a
bounded queue (drops counted). A dead or slow camera only ever blocks its own thread.

`CameraLoop` is the per-camera analysis, shared by the daemon (`CameraWatchService`) and the
`watchd motion` command (`analyse_video`), so both behave the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import cv2
import numpy as np
import numpy.typing as npt

from devices.backoff import REAL_TIME, Backoff, Timing
from devices.contracts import ClipInfo, DeviceAuthError, DeviceError, LumaFrame, VideoStream
from devices.registry import CameraConfig, open_video_stream
from watchd.db.models import CameraEvent
from watchd.db.repositories.camera_events import CameraEventsRepository
from watchd.db.repositories.sites import SitesRepository
from watchd.db.session import Database
from watchd.domain.notices import NoticeSink
from watchd.domain.observations import Observation, ObservationKind, ObservationSink, Severity
from watchd.events.mqtt import MqttPublisher
from watchd.ops.datafiles import delete_data_file
from watchd.ops.heartbeat import Heartbeat, Heartbeats, get_beating, staged
from watchd.pipeline.keyframes import DecodingView, KeyframeCheck
from watchd.settings.cameras import CameraWatchSettings
from watchd.vision.motion.detector import Measurement, MotionDetector, MotionParams, Region
from watchd.vision.motion.events import MotionEvents, MotionTransition, is_armed
from watchd.vision.motion.outline import outline
from watchd.vision.tamper import TamperCheck, TamperParams, TamperTransition

log = logging.getLogger(__name__)
EventKind = Literal["motion", "tamper", "camera_offline"]
Phase = Literal["start", "end"]
TAMPER_INTERVAL_S = 1.0
RETENTION_INTERVAL_S = 600.0
CAMERA_BEAT_S = 10.0  # worker threads and event consumers beat at least this often
TAMPER_TEXT = {"covered": "摄像机被遮挡", "defocused": "摄像机画面失焦", "moved": "摄像机被移动或转向"}


@dataclass(frozen=True, slots=True, kw_only=True)
class LoopEvent:
    """An event transition from one camera, in media time (seconds) and wall time."""

    camera_id: str
    kind: EventKind
    phase: Phase
    key: str
    media_s: float
    at: datetime
    zones: tuple[str, ...] = ()
    box: tuple[float, float, float, float] | None = None
    boxes: tuple[tuple[float, float, float, float], ...] = ()  # each moving object in a zone, as outlined
    peak_area: float = 0.0
    reason: str = ""
    detail: str = ""
    snapshot: Path | None = None
    clip: ClipInfo | None = None


@dataclass(slots=True)
class LoopCounters:
    frames: int = 0
    analysed: int = 0
    suspicions: int = 0
    events: int = 0
    last_frame_mono: float | None = None


def regions(polygons: Sequence[Any]) -> list[Region]:
    """The configured polygons (devices.camera.config.Polygon) as vision regions."""
    return [Region(str(p.name), tuple((float(x), float(y)) for x, y in p.points)) for p in polygons]


class CameraLoop:
    """Drives one `VideoStream`: adaptive decoding, motion events, tamper, snapshots and clips."""

    def __init__(
        self,
        config: CameraConfig,
        *,
        emit: Callable[[LoopEvent], None],
        clock: Callable[[], datetime],
        media_dir: Path | None,
        pre_s: float = 5.0,
        quiet_s: float = 5.0,
        max_clip_s: float = 300.0,
        clips: bool = True,
        armed: Callable[[], bool] | None = None,
        on_frame: Callable[[], None] | None = None,
        on_keyframes: Callable[[KeyframeCheck], None] | None = None,
    ) -> None:
        self.config = config
        self.keyframes = KeyframeCheck(config.max_keyframe_interval_s)
        self.on_keyframes = on_keyframes  # the verdict on keyframe-only idling changed
        self.on_frame = on_frame  # a heartbeat: the worker thread is still reading pictures
        self.emit = emit
        self.clock = clock
        self.media_dir = media_dir
        self.pre_s = pre_s
        self.quiet_s = quiet_s
        self.max_clip_s = max_clip_s
        self.clips = clips and media_dir is not None
        self.armed = armed or (lambda: True)
        self.zones = regions(config.zones)
        self.masks = regions(config.masks)
        self.params = MotionParams(min_area=config.min_area, min_contrast=float(config.min_contrast))
        self.counters = LoopCounters()
        self.detector: MotionDetector | None = None
        self.events = MotionEvents(min_duration_s=config.min_duration_s, quiet_s=quiet_s)
        self.tamper = TamperCheck(TamperParams(hold_s=config.tamper_after_s)) if config.tamper else None
        self._committed = -1e9
        self._last_analysed = -1e9
        self._last_tamper = -1e9
        self._last_activity = -1e9
        self._motion_key: str | None = None
        self._motion_snapshot: Path | None = None
        self._clip_open = False
        self._clip_started = 0.0
        self._tamper_key: str | None = None
        self._now_s = 0.0

    # --- the loop --------------------------------------------------------------------------

    def run(self, stream: VideoStream, halt: threading.Event) -> Literal["ended", "halted"]:
        """Analyse until the stream ends (a file) or `halt` is set; errors propagate (DeviceError)."""
        self._committed = -1e9  # a new connection starts a new media timeline
        self._last_analysed = self._last_tamper = self._last_activity = -1e9
        if self.detector is not None:
            self.detector.reset()
        self.keyframes.new_connection()
        stream.set_keyframes_only(False)  # until the keyframe interval is known to be short enough
        try:
            while not halt.is_set():
                frame = stream.read()
                if frame is None:
                    return "ended"
                self.counters.frames += 1
                self.counters.last_frame_mono = time.monotonic()
                if self.on_frame is not None:
                    self.on_frame()
                self._on_frame(stream, frame)
            return "halted"
        finally:
            self.finish(stream)

    def finish(self, stream: VideoStream | None) -> None:
        """Close whatever is open (end of a file, a lost connection, a stop)."""
        end = self.events.finish()
        if end is not None:
            self._motion_end(stream, end)
        elif self._motion_key is not None:
            self._motion_key = None
        if stream is not None and self._clip_open:
            stream.stop_clip()
            self._clip_open = False

    def _on_frame(self, stream: VideoStream, frame: LumaFrame) -> None:
        if self.keyframes.update(stream.keyframe_interval_s) and self.on_keyframes is not None:
            self.on_keyframes(self.keyframes)
        t = frame.pts_s
        if t <= self._committed + 1e-6:
            return  # re-decoded to rebuild the reference pictures; already analysed
        idle = stream.keyframes_only
        if not idle and t - self._last_analysed < 1.0 / self.config.analysis_fps - 1e-3:
            return
        self._now_s = t
        if self.detector is None:
            self.detector = MotionDetector(frame.luma.shape, self.zones, self.masks, self.params)
        m = self.detector.measure(frame.luma, t)
        self.counters.analysed += 1
        self._last_analysed = t
        armed = self.armed()
        if idle and armed and m.zone_blobs and self.detector.background is not None:
            # A keyframe suggests motion: decode every picture, starting again from the last analysed one.
            self.counters.suspicions += 1
            log.debug("camera %s: motion suspected at %.1f s; decoding every picture", self.config.id, t)
            self._last_analysed = self._committed
            self._last_activity = t  # stay in full decoding for at least `quiet_s` after this picture
            stream.set_keyframes_only(False, replay_from_s=self._committed)
            return
        self.detector.learn(m)
        self._committed = t
        if m.zone_blobs or self.events.suspecting:
            self._last_activity = t
        transition = self.events.update(m, armed=armed)
        if transition is not None and transition.kind == "start":
            self._motion_start(stream, transition, m)
        elif transition is not None:
            self._motion_end(stream, transition)
        if self._clip_open and t - self._clip_started >= self.max_clip_s:
            stream.stop_clip()  # the event goes on; its clip is long enough
            self._clip_open = False
        if self.tamper is not None and (idle or t - self._last_tamper >= TAMPER_INTERVAL_S):
            self._last_tamper = t
            self._on_tamper(self.tamper.update(t, frame.luma), t)
        quiet = not self.events.open and not self.events.suspecting and t - self._last_activity >= self.quiet_s
        may_idle = self.config.adaptive and self.keyframes.idling_allowed
        if may_idle and not idle and (quiet or not armed) and not self.events.open:
            log.debug("camera %s: quiet at %.1f s; keyframes only", self.config.id, t)
            stream.set_keyframes_only(True)

    # --- events ----------------------------------------------------------------------------

    @property
    def media_now(self) -> float:
        """Media time of the picture being analysed."""
        return self._now_s

    def _wall(self, media_s: float) -> datetime:
        """Wall time of a media instant: the picture being analysed is 'now'."""
        return self.clock() - timedelta(seconds=max(0.0, self._now_s - media_s))

    def _key(self, kind: str, at: datetime) -> str:
        return f"{self.config.id}:{kind}:{at.isoformat(timespec='milliseconds')}"

    def _motion_start(self, stream: VideoStream, tr: MotionTransition, m: Measurement) -> None:
        at = self._wall(tr.t)
        key = self._key("motion", at)
        self._motion_key = key
        snapshot = self._snapshot(stream, key, m)
        self._motion_snapshot = snapshot
        if self.clips and self.media_dir is not None:
            stream.start_clip(str(self._media_path(key, at, "")), tr.t - self.pre_s)
            self._clip_open = True
            self._clip_started = tr.t
        self.counters.events += 1
        self.emit(
            LoopEvent(
                camera_id=self.config.id, kind="motion", phase="start", key=key, media_s=tr.t, at=at,
                zones=tr.zones, box=tr.box, boxes=tuple(b.box for b in m.zone_blobs), peak_area=tr.peak_area,
                snapshot=snapshot,
            )
        )

    def _motion_end(self, stream: VideoStream | None, tr: MotionTransition) -> None:
        key, self._motion_key = self._motion_key, None
        clip = None
        if stream is not None and self._clip_open:
            clip = stream.stop_clip()
            self._clip_open = False
        if key is None:
            return
        self.emit(
            LoopEvent(
                camera_id=self.config.id, kind="motion", phase="end", key=key, media_s=tr.t, at=self._wall(tr.t),
                zones=tr.zones, peak_area=tr.peak_area, snapshot=self._motion_snapshot, clip=clip,
            )
        )

    def _on_tamper(self, tr: TamperTransition | None, t: float) -> None:
        if tr is None:
            return
        kind, start_t, reason, detail = tr.kind, tr.t, tr.reason, tr.detail
        at = self._wall(start_t)
        if kind == "start":
            self._tamper_key = self._key("tamper", at)
            key = self._tamper_key
        else:
            key = self._tamper_key or self._key("tamper", at)
            self._tamper_key = None
        self.emit(
            LoopEvent(
                camera_id=self.config.id, kind="tamper", phase=kind, key=key, media_s=start_t, at=at,
                reason=reason, detail=detail,
            )
        )

    def _media_path(self, key: str, at: datetime, suffix: str) -> Path:
        assert self.media_dir is not None
        stamp = at.strftime("%Y%m%dT%H%M%S%f")[:-3]
        return self.media_dir / self.config.id / at.strftime("%Y%m%d") / f"{stamp}{suffix}"

    def _snapshot(self, stream: VideoStream, key: str, m: Measurement) -> Path | None:
        if self.media_dir is None:
            return None
        picture = stream.snapshot_bgr()
        if picture is None:
            return None
        image = outline(picture, m.zone_blobs, self.zones)
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
        if not ok:
            return None
        path = self._media_path(key, self._wall(m.t), ".jpg")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(np.asarray(data).tobytes())
        except OSError as exc:
            log.warning("camera %s: snapshot %s not written: %s", self.config.id, path, exc)
            return None
        return path


# --- the command line (`watchd motion`) ----------------------------------------------------


@dataclass(slots=True)
class VideoReport:
    events: list[dict[str, object]] = field(default_factory=list)
    frames: int = 0
    decoded: int = 0
    analysed: int = 0
    cpu_s: float = 0.0
    error: str | None = None
    keyframe_interval_s: float | None = None  # the longest measured
    warning: str | None = None  # keyframe-only idling was turned off, and why


def analyse_video(
    config: CameraConfig, *, out_dir: Path | None, clips: bool = False, until_s: float | None = None,
    on_event: Callable[[dict[str, object]], None] | None = None,
) -> VideoReport:
    """Run the daemon's per-camera analysis over a file or stream URL as fast as it decodes.

    Each motion or tamper event is reported once it has ended, as {"start", "end", "zones",
    "snapshot", ...} with times in seconds of the video.
    """
    report = VideoReport()
    open_starts: dict[str, LoopEvent] = {}
    cpu0 = time.process_time()

    def emit(ev: LoopEvent) -> None:
        if ev.phase == "start":
            open_starts[ev.key] = ev
            return
        start = open_starts.pop(ev.key, None)
        line: dict[str, object] = {
            "kind": ev.kind, "start": round(start.media_s if start else ev.media_s, 2), "end": round(ev.media_s, 2),
            "zones": list(ev.zones) or (list(start.zones) if start else []),
            "snapshot": str(ev.snapshot) if ev.snapshot else None,
        }
        if ev.kind == "motion":
            line["box"] = [round(v, 3) for v in start.box] if start and start.box else None
            line["boxes"] = [[round(v, 3) for v in b] for b in start.boxes] if start else []
            line["peak_area"] = round(ev.peak_area, 4)
            if ev.clip is not None:
                line["clip"] = ev.clip.path
        else:
            line["reason"] = ev.reason
        report.events.append(line)
        if on_event is not None:
            on_event(line)

    # Media time stands in for the clock: the video's own seconds.
    loop_now = [0.0]
    loop = CameraLoop(config, emit=emit, clock=_epoch_clock(lambda: loop.media_now), media_dir=out_dir, clips=clips)
    halt = threading.Event()
    stream = open_video_stream(config, realtime=False, halt=halt)
    try:
        loop.run(_Until(stream, until_s, loop_now), halt)
    except DeviceError as exc:
        report.error = str(exc)
    finally:
        # Events still open when the video ended (or broke) are reported too.
        for ev in list(open_starts.values()):
            emit(LoopEvent(camera_id=ev.camera_id, kind=ev.kind, phase="end", key=ev.key, media_s=loop_now[0],
                           at=ev.at, zones=ev.zones, reason=ev.reason, snapshot=ev.snapshot))
        stats = stream.stats()
        stream.close()
    report.frames = int(str(stats.get("packets", 0)))
    report.decoded = int(str(stats.get("decoded", 0)))
    report.analysed = loop.counters.analysed
    report.cpu_s = round(time.process_time() - cpu0, 3)
    interval = stats.get("keyframe_interval_s")
    report.keyframe_interval_s = float(interval) if isinstance(interval, int | float) else None
    if loop.keyframes.too_long:
        loop.keyframes.update(report.keyframe_interval_s)  # the longest seen, for the message
        report.warning = loop.keyframes.warning_en()
    return report


def _epoch_clock(media: Callable[[], float]) -> Callable[[], datetime]:
    from datetime import UTC

    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    return lambda: epoch + timedelta(seconds=media())


class _Until:
    """A stream wrapper that stops at `until_s` and tracks the media time (for the command line)."""

    def __init__(self, stream: VideoStream, until_s: float | None, now: list[float]) -> None:
        self._stream = stream
        self._until = until_s
        self._now = now

    @property
    def keyframes_only(self) -> bool:
        return self._stream.keyframes_only

    @property
    def keyframe_interval_s(self) -> float | None:
        return self._stream.keyframe_interval_s

    def set_keyframes_only(self, value: bool, *, replay_from_s: float | None = None) -> None:
        self._stream.set_keyframes_only(value, replay_from_s=replay_from_s)

    def read(self) -> LumaFrame | None:
        frame = self._stream.read()
        if frame is None or (self._until is not None and frame.pts_s > self._until):
            return None
        self._now[0] = max(self._now[0], frame.pts_s)
        return frame

    def snapshot_bgr(self) -> npt.NDArray[np.uint8] | None:
        return self._stream.snapshot_bgr()

    def start_clip(self, path: str, from_s: float) -> None:
        self._stream.start_clip(path, from_s)

    def stop_clip(self) -> ClipInfo | None:
        return self._stream.stop_clip()

    def stats(self) -> dict[str, object]:
        return dict(self._stream.stats())

    def close(self) -> None:
        self._stream.close()


# --- the daemon ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredEvent:
    id: int
    snapshot_path: str | None
    clip_path: str | None


@dataclass(slots=True)
class CameraState:
    config: CameraConfig
    site_name: str = ""
    online: bool | None = None
    reconnects: int = 0
    last_error: str = ""
    dropped_events: int = 0
    started_mono: float = field(default_factory=time.monotonic)
    offline_key: str | None = None
    loop: CameraLoop | None = None
    stream_stats: dict[str, object] = field(default_factory=dict)
    stream: VideoStream | None = None  # the open connection, for its live counters
    halt: threading.Event = field(default_factory=threading.Event)

    def live_stats(self) -> dict[str, object]:
        """The open connection's counters, else the last connection's."""
        stream = self.stream
        if stream is not None:
            with contextlib.suppress(Exception):  # the worker thread may be closing it
                return dict(stream.stats())
        return dict(self.stream_stats)

    def reason(self) -> str:
        """Why pictures may be missing: what is wrong with the open stream's data, else the last error."""
        problem = self.live_stats().get("problem") if self.stream is not None else None
        return str(problem or self.last_error)


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
    """Runs every configured camera; stores, publishes and reports their events."""

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
    ) -> None:
        self.timing = timing  # reconnect backoff and offline detection (tests drive it)
        self.heartbeats = heartbeats or Heartbeats()
        self.notices = notices  # upkeep for the administrators (a camera's keyframe interval)
        self.cameras = [c for c in cameras if c.enabled]
        self.settings = settings
        self.db = db
        self.data_dir = data_dir
        self.media_dir = data_dir / "cameras"
        self.clock = clock
        self.zone = zone
        self.observations = observations
        self.publisher = publisher if publisher is not None else (
            MqttPublisher(settings.mqtt) if settings.mqtt.enabled else None
        )
        self.states: dict[str, CameraState] = {c.id: CameraState(c) for c in self.cameras}
        self._tasks: list[asyncio.Task[None]] = []
        self._running: dict[str, _Running] = {}
        self._started = False
        self._warned_no_sink = False

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
        """Watch one camera: a decoding thread, an event consumer and the offline watchdog."""
        if camera_id in self._running:
            return
        config = self.states[camera_id].config
        state = self.states[camera_id] = CameraState(config, site_name=self.states[camera_id].site_name)
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[LoopEvent] = asyncio.Queue(self.settings.queue_size)
        beat = self.heartbeats.register(f"camera:{config.id}", max(CAMERA_BEAT_S, config.open_timeout_s))
        thread = threading.Thread(
            target=self._worker, args=(state, loop, queue, beat), name=f"camera-watch-{config.id}", daemon=True
        )
        thread.start()
        consumer = self.heartbeats.register(f"camera-events:{config.id}", CAMERA_BEAT_S)
        self._running[camera_id] = _Running(state.halt, thread, [
            asyncio.create_task(staged(consumer, self._consume(queue, consumer)), name=f"camera-events:{config.id}"),
            asyncio.create_task(self._watchdog(state, loop, queue), name=f"camera-watchdog:{config.id}"),
        ])

    async def stop_camera(self, camera_id: str) -> None:
        running = self._running.pop(camera_id, None)
        if running is None:
            return
        running.halt.set()
        await asyncio.sleep(0)
        await _cancel(running.tasks)
        await asyncio.to_thread(running.thread.join, 2.0)

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

    def _worker(
        self, state: CameraState, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[LoopEvent], beat: Heartbeat
    ) -> None:
        with beat:
            self._work(state, loop, queue, beat)

    def _work(
        self, state: CameraState, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[LoopEvent], beat: Heartbeat
    ) -> None:
        config = state.config
        try:  # events the last holder of this camera left open
            state.offline_key = "" if self._close_dangling(config) else None
        except Exception:
            log.exception("camera %s: events left open by the last run not closed", config.id)

        def emit(event: LoopEvent) -> None:
            with contextlib.suppress(RuntimeError):  # the loop is closing
                loop.call_soon_threadsafe(self._enqueue, state, queue, event)

        def armed() -> bool:
            now = self.clock().astimezone(self.zone)
            return is_armed(config.armed_windows, now.hour * 60 + now.minute)

        cam_loop = CameraLoop(
            config, emit=emit, clock=self.clock, media_dir=self.media_dir, pre_s=self.settings.pre_s,
            quiet_s=self.settings.quiet_s, max_clip_s=self.settings.max_clip_s, clips=self.settings.clips,
            armed=armed, on_frame=beat.beat, on_keyframes=lambda check: self._keyframes(config, check),
        )
        state.loop = cam_loop
        backoff = Backoff(1.0, config.reconnect_max_s, timing=self.timing)
        halt = state.halt
        while not halt.is_set():
            beat.beat()
            frames_before = cam_loop.counters.frames
            stream: VideoStream | None = None
            try:
                stream = open_video_stream(
                    config, realtime=not config.is_network, halt=halt, prebuffer_s=self.settings.pre_s + 4.0
                )
                state.stream = stream
                outcome = cam_loop.run(stream, halt)
                state.stream_stats = dict(stream.stats())
                if outcome == "halted":
                    return
                state.last_error = "end of stream"
            except DeviceError as exc:
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
            if cam_loop.counters.frames > frames_before:
                backoff.worked()
            state.reconnects += 1
            if backoff.wait(halt, beat=beat.beat, beat_every_s=beat.interval_s):
                return

    def _keyframes(self, config: CameraConfig, check: KeyframeCheck) -> None:
        """The verdict on keyframe-only idling changed: log it, tell the administrators (worker thread)."""
        if check.too_long:
            log.warning("camera %s: %s", config.id, check.warning_en())
        else:
            log.info("camera %s: keyframe interval %.1f s; keyframe-only idling on", config.id, check.interval_s or 0)
        if self.notices is None:
            return
        try:
            self.notices.notice(check.notice(config.id, config.name or config.id, self.clock()))
        except Exception:
            log.exception("camera %s: keyframe interval notice not reported", config.id)

    # --- loop side -------------------------------------------------------------------------

    def _enqueue(self, state: CameraState, queue: asyncio.Queue[LoopEvent], event: LoopEvent) -> None:
        try:
            queue.put_nowait(event)
        except asyncio.QueueFull:
            state.dropped_events += 1
            log.warning("camera %s: event queue full, %s %s dropped", event.camera_id, event.kind, event.phase)

    async def _watchdog(
        self, state: CameraState, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[LoopEvent]
    ) -> None:
        """Offline after `offline_after_s` without a picture; online again on the next one."""
        config = state.config
        while True:
            await asyncio.sleep(0.25)
            last = state.loop.counters.last_frame_mono if state.loop else None
            silent = time.monotonic() - (last if last is not None else state.started_mono)
            # Before the first picture, connecting may take up to the open timeout.
            limit = config.offline_after_s + (config.open_timeout_s if state.online is None else 0.0)
            if silent >= limit and state.online is not False:
                state.online = False
                at = self.clock() - timedelta(seconds=silent)
                state.offline_key = f"{config.id}:camera_offline:{at.isoformat(timespec='milliseconds')}"
                reason = state.reason()
                log.warning("camera %s is offline: no picture for %.0f s (%s)", config.id, silent, reason)
                self._enqueue(state, queue, LoopEvent(
                    camera_id=config.id, kind="camera_offline", phase="start", key=state.offline_key, media_s=0.0,
                    at=at, detail=reason,
                ))
            elif silent < config.offline_after_s and state.online is not True and last is not None:
                recovered = state.online is False
                state.online = True
                log.info("camera %s is %s", config.id, "back online" if recovered else "online")
                # offline_key "": the run before (or the node that watched this camera before) left it
                # offline; the first picture clears that incident (there is no event of ours to end).
                if state.offline_key is not None:
                    self._enqueue(state, queue, LoopEvent(
                        camera_id=config.id, kind="camera_offline", phase="end", key=state.offline_key,
                        media_s=0.0, at=self.clock(),
                    ))
                elif self.publisher is not None:
                    self.publisher.publish_status(config.id, True)
                state.offline_key = None

    async def _consume(self, queue: asyncio.Queue[LoopEvent], heartbeat: Heartbeat) -> None:
        while True:
            event = await get_beating(queue, heartbeat)
            try:
                await asyncio.to_thread(self.handle, event)
            except Exception:
                log.exception("camera %s: %s %s not recorded", event.camera_id, event.kind, event.phase)

    # --- recording (also called directly by tests) -----------------------------------------

    def handle(self, event: LoopEvent) -> StoredEvent | None:
        """Store the transition (idempotent), publish it and report the observation."""
        state = self.states.get(event.camera_id)
        if state is None:
            return None
        row = self._store(state, event) if event.key else None
        if self.publisher is not None:
            self.publisher.publish_event(event.camera_id, self.payload(event, row))
            if event.kind == "camera_offline":
                self.publisher.publish_status(event.camera_id, event.phase == "end")
        self._observe(state, event, row)
        return row

    def _rel(self, path: Path | str | None) -> str | None:
        if path is None:
            return None
        p = Path(path)
        with contextlib.suppress(ValueError):
            return str(p.relative_to(self.data_dir))
        return str(p)

    def _store(self, state: CameraState, event: LoopEvent) -> StoredEvent:
        with self.db.unit_of_work() as s:
            row = self._store_row(CameraEventsRepository(s), state, event)
            s.flush()
            return StoredEvent(row.id, row.snapshot_path, row.clip_path)

    def _store_row(self, repo: CameraEventsRepository, state: CameraState, event: LoopEvent) -> CameraEvent:
        config = state.config
        if event.phase == "start":
            size = _size(event.snapshot)
            return repo.insert(
                CameraEvent(
                    event_key=event.key, camera_id=config.id, site_id=config.site, kind=event.kind,
                    reason=event.reason, started_at=event.at, zones=json.dumps(list(event.zones), ensure_ascii=False),
                    box=json.dumps([round(v, 4) for v in event.box]) if event.box else None,
                    peak_area=event.peak_area, detail=event.detail, snapshot_path=self._rel(event.snapshot),
                    media_bytes=size,
                )
            )
        row = repo.by_key(event.key)
        if row is None:  # the start was dropped or lost: record the whole event now
            row = repo.insert(
                CameraEvent(
                    event_key=event.key, camera_id=config.id, site_id=config.site, kind=event.kind,
                    reason=event.reason, started_at=event.at, zones="[]", peak_area=0.0, detail=event.detail,
                    media_bytes=0,
                )
            )
        if row.ended_at is None:
            row.ended_at = max(event.at, row.started_at)
            if event.zones:
                row.zones = json.dumps(list(event.zones), ensure_ascii=False)
            row.peak_area = max(row.peak_area, event.peak_area)
            if event.clip is not None:
                row.clip_path = self._rel(event.clip.path)
                row.media_bytes += event.clip.size_bytes
            if event.detail and not row.detail:
                row.detail = event.detail
        return row

    def payload(self, event: LoopEvent, row: StoredEvent | None) -> dict[str, object]:
        config = self.states[event.camera_id].config
        return {
            "type": event.phase, "kind": event.kind, "camera": config.id, "camera_name": config.name,
            "site": config.site, "event_id": row.id if row is not None else None, "key": event.key,
            "at": event.at.isoformat(), "zones": list(event.zones), "reason": event.reason,
            "snapshot": f"/api/cameras/events/{row.id}/snapshot" if row is not None and row.snapshot_path else None,
            "clip": f"/api/cameras/events/{row.id}/clip" if row is not None and row.clip_path else None,
        }

    def _observe(self, state: CameraState, event: LoopEvent, row: StoredEvent | None) -> None:
        config = state.config
        kind = {
            "motion": ObservationKind.motion, "tamper": ObservationKind.tamper,
            "camera_offline": ObservationKind.camera_offline,
        }[event.kind]
        label = config.name or config.id
        if event.kind == "motion":
            zones = "、".join(event.zones)
            summary = f"{label} 发现移动目标" + (f"（{zones}）" if zones else "")
        elif event.kind == "tamper":
            summary = f"{label} {TAMPER_TEXT.get(event.reason, '摄像机异常')}"
        else:
            summary = f"{label} 摄像机离线" if event.phase == "start" else f"{label} 摄像机恢复在线"
        zone_severity = config.zone_severity(event.zones) if event.kind == "motion" else None
        observation = Observation(
            kind=kind, site_id=config.site, subject=config.id, occurred_at=event.at, active=event.phase == "start",
            severity=Severity(zone_severity) if zone_severity else None, summary=summary,
            details={
                "event_id": row.id if row is not None else None, "zones": list(event.zones),
                "reason": event.reason, "detail": event.detail,
            },
            snapshot_path=row.snapshot_path if row is not None else None,
        )
        if self.observations is None:
            if not self._warned_no_sink:
                log.warning("camera watch: no observation sink; events are stored but raise no incident")
                self._warned_no_sink = True
            log.info("observation %s %s: %s", observation.key, "active" if observation.active else "cleared", summary)
            return
        try:
            self.observations.report(observation)
        except Exception:
            log.exception("camera %s: observation %s not reported", config.id, observation.key)

    def _close_dangling(self, config: CameraConfig) -> bool:
        """Close the events an earlier run (or another node) left open; True if one was "offline"."""
        now, was_offline = self.clock(), False
        with self.db.unit_of_work() as s:
            repo = CameraEventsRepository(s)
            if config.id in {d.id for d in SitesRepository(s).list_devices()}:
                for kind in ("motion", "tamper", "camera_offline"):
                    n = repo.close_dangling(config.id, kind, now, "interrupted: watchd stopped during the event")
                    if n:
                        log.info("camera %s: closed %d %s event(s) left open by the last run", config.id, n, kind)
                        was_offline = was_offline or kind == "camera_offline"
        return was_offline

    # --- retention -------------------------------------------------------------------------

    async def _retention(self) -> None:
        while True:
            try:
                await asyncio.to_thread(self.prune)
            except Exception:
                log.exception("camera retention failed")
            await asyncio.sleep(RETENTION_INTERVAL_S)

    def prune(self) -> tuple[int, int]:
        """Delete events past `retention_days` and media beyond `max_disk_mb`; (events, files) deleted."""
        return prune_media(
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
                "stream": state.live_stats(), **_decoding(loop),
            })
        return out

    def decoding(self, camera_id: str) -> DecodingView | None:
        """Keyframe interval, idling and advice of a camera this node watches; None otherwise."""
        state = self.states.get(camera_id)
        if camera_id not in self._running or state is None or state.loop is None:
            return None
        return state.loop.keyframes.view()


def _decoding(loop: CameraLoop | None) -> dict[str, object]:
    view = loop.keyframes.view() if loop is not None else DecodingView(None, False, None)
    return {"keyframe_interval_s": view.keyframe_interval_s, "keyframe_idle": view.idle, "warning": view.warning}


def _size(path: Path | str | None) -> int:
    if path is None:
        return 0
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0


def prune_media(db: Database, data_dir: Path, *, now: datetime, days: int, max_bytes: int) -> tuple[int, int]:
    """Retention by age (rows and files) and then by disk size (oldest clips first, then snapshots)."""
    deleted_rows = deleted_files = 0
    with db.unit_of_work() as s:
        repo = CameraEventsRepository(s)
        for row in repo.older_than(now - timedelta(days=days)):
            deleted_files += delete_data_file(data_dir, row.clip_path, "camera retention") + delete_data_file(
                data_dir, row.snapshot_path, "camera retention"
            )
            repo.delete(row)
            deleted_rows += 1
        total = repo.media_bytes()
        if total > max_bytes:
            rows = list(repo.with_media_oldest_first())
            for attr in ("clip_path", "snapshot_path"):
                for row in rows:
                    if total <= max_bytes:
                        break
                    rel = getattr(row, attr)
                    if rel is None:
                        continue
                    size = _size(data_dir / rel)
                    deleted_files += delete_data_file(data_dir, rel, "camera retention")
                    setattr(row, attr, None)
                    row.media_bytes = max(0, row.media_bytes - size)
                    total -= size
    if deleted_rows or deleted_files:
        log.info("camera retention: %d events and %d files deleted", deleted_rows, deleted_files)
    return deleted_rows, deleted_files


def iter_lines(report: VideoReport) -> Iterator[str]:
    for line in report.events:
        yield json.dumps(line, ensure_ascii=False)
