"""Runs every configured driver as an asyncio task and routes its events.

Each device has its own bounded queues and its own consumer, so a slow or dead device never
delays another. Frames go through a queue of two (the newest wins; drops are counted); check-ins
and status changes through a larger one. A driver that crashes is restarted with capped backoff,
and the crash is logged once per streak.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from devices.backoff import REAL_TIME, Backoff, Timing
from devices.contracts import CheckIn, DeviceEvent, DeviceStatus, Driver, EventSink, Frame
from devices.registry import AnyDeviceConfig, Role, create_driver, has_role
from watchd.domain.live import LiveView
from watchd.domain.observations import ObservationSink
from watchd.ops.heartbeat import Heartbeat, Heartbeats, beating, get_beating, staged
from watchd.ops.runtime import CameraCounts, DeviceCounts
from watchd.pipeline.camera_kiosk import CameraKioskTracker, Observed
from watchd.pipeline.camera_watch.detector_pool import DetectorView
from watchd.pipeline.camera_watch.keyframes import DecodingView
from watchd.pipeline.camera_watch.live import LiveChannel
from watchd.pipeline.camera_watch.watch import CameraWatchService
from watchd.pipeline.duty_watch.watch import DutyWatch
from watchd.pipeline.terminal_events import TerminalRouter
from watchd.services.checkins import CheckinService, NewCheckin
from watchd.services.punches import PunchService
from watchd.settings.recognition import LivenessSettings
from watchd.vision.faces import DetectedFace
from watchd.vision.recognition import RecognitionEngine

log = logging.getLogger(__name__)
FRAME_QUEUE = 2
EVENT_QUEUE = 1000
EVENT_BATCH = 500  # punches a consumer stores in one transaction
PRESENCE_ITEM = "task:terminal-presence"  # the push terminals' silence check: one node runs it
CONSUMER_BEAT_S = 10.0  # consumers beat at least this often, also while their queue is empty
DRIVER_RESTART_MAX_S = 60.0  # a crashing driver is restarted after 1 s, 2 s, 4 s ... at most this
DRIVER_BEAT_S = 30.0  # 3 x 30 s > the longest backoff wait (60 s): a failing device is not a stalled stage


@dataclass(slots=True)
class DeviceRuntime:
    device_id: str
    frames: asyncio.Queue[Frame] = field(default_factory=lambda: asyncio.Queue(FRAME_QUEUE))
    events: asyncio.Queue[CheckIn | DeviceStatus] = field(default_factory=lambda: asyncio.Queue(EVENT_QUEUE))
    dropped_frames: int = 0
    dropped_events: int = 0
    analysed_frames: int = 0
    online: bool | None = None
    last_change: datetime | None = None

    def emit(self, event: DeviceEvent) -> bool:
        """EventSink: called on the loop thread; never blocks."""
        if isinstance(event, Frame):
            if self.frames.full():
                self.frames.get_nowait()  # the newest frame wins
                self.dropped_frames += 1
            self.frames.put_nowait(event)
            return True
        try:
            self.events.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped_events += 1
            return False
        return True


class DeviceSupervisor:
    def __init__(
        self, devices: list[AnyDeviceConfig], checkins: CheckinService, engine: RecognitionEngine,
        liveness: LivenessSettings, clock: Callable[[], datetime], *, punches: PunchService,
        observations: ObservationSink, cameras: CameraWatchService, duty: DutyWatch, heartbeats: Heartbeats,
        leased: bool = False, timing: Timing = REAL_TIME,
    ) -> None:
        """Every collaborator comes built (watchd/app.py builds them); nothing is made up here."""
        self.timing = timing  # monotonic time and waits of driver restarts and of the drivers' own reconnects
        self.heartbeats = heartbeats
        self.devices = [d for d in devices if d.enabled]
        self.duty = duty  # duty-room desk cameras: frames go to the duty watch, not to the check-in tracker
        self.cameras = cameras  # protected-site cameras: their own per-camera pipelines
        self.terminals = TerminalRouter(punches, observations)  # terminal punches and online/offline transitions
        self.checkins = checkins
        self.engine = engine
        self.liveness = liveness
        self.clock = clock
        self.leased = leased
        self._configs = {d.id: d for d in self.devices}
        self.runtimes: dict[str, DeviceRuntime] = {}
        self._items: dict[str, list[asyncio.Task[None]]] = {}  # running leased items and their tasks
        self._stops: dict[str, asyncio.Event] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._stop = asyncio.Event()

    # --- leased work: each device (and the terminal-presence sweep) runs on one node at a time ---

    def lease_items(self) -> list[str]:
        """Everything this node can run: devices with a driver, watched cameras, the presence sweep."""
        items = [c.id for c in self.cameras.cameras]
        for config in self.devices:
            if has_role(config.kind, Role.duty_camera) and not self.duty.handles(config.id):
                continue
            if config.id not in self.cameras.states and create_driver(config) is not None:
                items.append(config.id)
        return [*items, PRESENCE_ITEM]

    async def start_item(self, item: str) -> None:
        self._start_now(item)

    def _start_now(self, item: str) -> None:
        if item == PRESENCE_ITEM:
            interval = self.terminals.punches.settings.terminals.presence_check_s
            self._spawn(item, self.terminals.watch_presence(self._item_stop(item), interval), "punches:presence")
        elif item in self.cameras.states:
            self.cameras.start_camera(item)
        else:
            self._start_device(self._configs[item])

    async def stop_item(self, item: str) -> None:
        if item in self.cameras.states:
            await self.cameras.stop_camera(item)
            return
        self._stops.pop(item, asyncio.Event()).set()
        tasks = self._items.pop(item, [])
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if not self._stop.is_set():  # handed to another node; on a full stop the last state stays readable
            self.runtimes.pop(item, None)

    def item_state(self, item: str) -> str:
        if item in self.cameras.states:
            online = self.cameras.states[item].online
        elif item in self.runtimes:
            online = self.runtimes[item].online
        else:
            return "running" if item in self._items else ""
        return "connecting" if online is None else ("online" if online else "offline")

    # --- what /metrics, the camera page and the duty screen read (ops.runtime.RunningDevices) ---

    def device_counts(self) -> list[DeviceCounts]:
        return [
            DeviceCounts(rt.device_id, rt.online, rt.analysed_frames, rt.dropped_frames, rt.dropped_events,
                         rt.frames.qsize(), rt.events.qsize())
            for rt in list(self.runtimes.values())
        ]

    def camera_counts(self) -> list[CameraCounts]:
        watched = self.cameras.watched
        return [
            CameraCounts(camera_id, state.online, state.loop.counters.frames if state.loop else 0,
                         state.loop.counters.analysed if state.loop else 0, state.dropped_events)
            for camera_id, state in list(self.cameras.states.items()) if camera_id in watched
        ]

    def decoding(self, camera_id: str) -> DecodingView | None:
        return self.cameras.decoding(camera_id)

    def detector_view(self) -> DetectorView:
        return self.cameras.detector_view()

    def camera_codec(self, camera_id: str) -> str | None:
        return self.cameras.codec(camera_id)

    def live_view(self, camera_id: str) -> LiveView:
        return self.cameras.live_view(camera_id)

    def live_feed(self, camera_id: str) -> LiveChannel | None:
        return self.cameras.live.channel(camera_id) if camera_id in self.cameras.watched else None

    def start(self) -> None:
        """Start the shared tasks, and every device unless a lease keeper hands them out."""
        self._tasks.append(asyncio.create_task(self.terminals.finish_pending(), name="punches:pending"))
        self.cameras.start(cameras=False)
        for config in self.devices:
            if has_role(config.kind, Role.duty_camera) and not self.duty.handles(config.id):
                log.warning("duty camera %s watches no desk ([[duty.rooms.desks]]): not started", config.id)
        if not self.leased:
            for item in self.lease_items():
                self._start_now(item)
        log.info("device supervisor started (%s)", "devices by lease" if self.leased else "all devices")

    async def stop(self) -> None:
        self._stop.set()
        for item in list(self._items):
            await self.stop_item(item)
        await self.cameras.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def _item_stop(self, item: str) -> asyncio.Event:
        event = self._stops[item] = asyncio.Event()
        return event

    def _spawn(self, item: str, coro: Coroutine[Any, Any, None], name: str) -> None:
        self._items.setdefault(item, []).append(asyncio.create_task(coro, name=name))

    def _start_device(self, config: AnyDeviceConfig) -> None:
        driver = create_driver(config, timing=self.timing)
        if driver is None:
            return
        rt = self.runtimes[config.id] = DeviceRuntime(config.id)
        stop = self._item_stop(config.id)
        if has_role(config.kind, Role.duty_camera):
            self._spawn(config.id, self._run_driver(driver, rt, rt, stop), f"driver:{config.id}")
            self._items[config.id].append(
                self._staged(f"duty:{config.id}", self.duty.consume, config.id, rt.frames, rt.events, stop)
            )
            return
        sink = self.terminals.sink(config.id, rt)
        self._spawn(config.id, self._run_driver(driver, sink, rt, stop), f"driver:{config.id}")
        self._items[config.id] += [
            self._staged(f"events:{config.id}", self._consume_events, rt),
            self._staged(f"frames:{config.id}", self._consume_frames, rt),
        ]

    def _staged(self, name: str, work: Callable[..., Coroutine[Any, Any, None]], *args: object) -> asyncio.Task[None]:
        """The task of a consumer stage `work(*args, heartbeat)`; its heartbeat closes when it ends or is cancelled."""
        heartbeat = self.heartbeats.register(name, CONSUMER_BEAT_S)
        return asyncio.create_task(staged(heartbeat, work(*args, heartbeat)), name=name)

    async def _run_driver(self, driver: Driver, sink: EventSink, rt: DeviceRuntime, stop: asyncio.Event) -> None:
        heartbeat = self.heartbeats.register(f"driver:{rt.device_id}", DRIVER_BEAT_S)
        await staged(heartbeat, self._drive(driver, sink, rt, stop, heartbeat))

    async def _drive(
        self, driver: Driver, sink: EventSink, rt: DeviceRuntime, stop: asyncio.Event, heartbeat: Heartbeat
    ) -> None:
        backoff = Backoff(1.0, DRIVER_RESTART_MAX_S, timing=self.timing)
        while not stop.is_set():
            try:
                await beating(driver.run(sink, stop), heartbeat)
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                if backoff.failed():
                    log.exception("driver %s crashed; restarting with backoff", rt.device_id)
            if await backoff.sleep(stop):
                return
            heartbeat.beat()

    async def _consume_events(self, rt: DeviceRuntime, heartbeat: Heartbeat) -> None:
        while True:
            batch = [await get_beating(rt.events, heartbeat)]
            while not rt.events.empty() and len(batch) < EVENT_BATCH:
                batch.append(rt.events.get_nowait())
            punches = [e for e in batch if isinstance(e, CheckIn)]
            if punches:
                await self.terminals.checkins(rt.device_id, punches)
            for event in batch:
                if isinstance(event, DeviceStatus):
                    rt.online, rt.last_change = event.state == "online", event.occurred_at
                    await self.terminals.status(event)

    async def _consume_frames(self, rt: DeviceRuntime, heartbeat: Heartbeat) -> None:
        tracker = CameraKioskTracker(self.liveness)
        while True:
            frame = await get_beating(rt.frames, heartbeat)
            faces = await asyncio.to_thread(self.engine.detect_rgb, frame.image)
            rt.analysed_frames += 1
            ready = tracker.observe(Observed(frame.occurred_at, faces[0] if faces else None, frame.image))
            if ready is not None:
                await asyncio.to_thread(self._identify_and_record, rt.device_id, ready.image, ready.face, ready.at)

    def _identify_and_record(
        self, device_id: str, image: npt.NDArray[np.uint8], face: DetectedFace, at: datetime
    ) -> None:
        match = self.engine.match(self.engine.encode_rgb(image, face))
        if match.person_id is None:
            log.info("camera kiosk %s: unknown face (nearest %s)", device_id, match.candidate)
            return
        self.checkins.record(
            NewCheckin(
                key=f"{device_id}:{match.person_id}:{at.isoformat()}", person_id=match.person_id,
                device_id=device_id, occurred_at=at, method="camera_face", liveness="passed",
                distance=match.distance, second_distance=match.second_distance,
            )
        )
