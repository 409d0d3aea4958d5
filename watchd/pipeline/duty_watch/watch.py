"""The duty watch: each desk camera's pictures and status -> the room's presence -> decisions.

Each `duty_camera` device runs the frame capture driver (devices/duty_camera) under the device
supervisor, which hands its frames (a queue of two, newest wins, drops counted) and its
online/offline transitions to `consume`. Per picture, in a worker thread:
1. cues from the picture (`watchd.vision.presence`): movement in the seat region, the seat's look
   against the empty seat (files.py keeps it), and - every `face_every_seconds` - faces in a crop
   around the seat, identified against the gallery every `identify_every_seconds` (faces.py);
2. the room's `PresenceTracker` (pure, `watchd.domain.presence`) turns cues into present / absent
   / unknown, fed by every camera of the room;
3. the room's decisions (decisions.py): the presence timeline, `duty_room_unwatched` and
   `wrong_person_on_duty`. A camera going offline is reported as `camera_offline` (the desk state
   becomes unknown, never absent).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from devices.contracts import CheckIn, DeviceStatus, Frame
from watchd.domain.observations import Observation, ObservationKind, ObservationSink
from watchd.domain.presence import DeskSample, DeskState, PresenceTracker
from watchd.ops.heartbeat import Heartbeat
from watchd.pipeline.duty_watch.decisions import RoomDecisions
from watchd.pipeline.duty_watch.faces import SeatFaces
from watchd.pipeline.duty_watch.files import DeskFiles
from watchd.pipeline.duty_watch.state import EPOCH, UNKNOWN_FACE, CameraRuntime, RoomRuntime, presence_rules
from watchd.services.duty import DutyService, PresenceRecorder
from watchd.vision.presence import DeskAnalyzer, DeskParams, shrink_gray
from watchd.vision.recognition import RecognitionEngine

log = logging.getLogger(__name__)
TICK_SECONDS = 5.0


class DutyWatch:
    def __init__(
        self, duty: DutyService, recorder: PresenceRecorder, engine: RecognitionEngine | None,
        sink: ObservationSink | None, data_dir: Path, clock: Callable[[], datetime],
        camera_names: dict[str, str] | None = None,
    ) -> None:
        self.duty = duty
        self.config = duty.config
        self.recorder = recorder
        self.clock = clock
        self.rules = presence_rules(self.config)
        p = self.config.presence
        self.params = DeskParams(motion_min_area=p.motion_min_area, occupied_fraction=p.occupied_fraction)
        self.files = DeskFiles(data_dir)
        self.faces = SeatFaces(
            engine, timedelta(seconds=p.face_every_seconds), timedelta(seconds=p.identify_every_seconds)
        )
        self.decisions = RoomDecisions(duty, recorder, sink, self.files)
        self.cameras: dict[str, CameraRuntime] = {}
        self.rooms: dict[str, RoomRuntime] = {}
        names = camera_names or {}
        for room in self.config.rooms:
            for desk in room.desks:
                self.cameras[desk.camera] = CameraRuntime(
                    desk.camera, room.site, names.get(desk.camera) or desk.camera, desk,
                    DeskAnalyzer(desk.seat, self.params),
                )
        self._resumed = False
        self._resume_lock = threading.Lock()

    def handles(self, device_id: str) -> bool:
        return device_id in self.cameras

    # -- start-up --------------------------------------------------------------------------------
    def resume(self) -> None:
        """Continue each room's state from the stored timeline when it is fresh; load references."""
        with self._resume_lock:
            if self._resumed:
                return
            now = self.clock()
            for room_id in {c.room_id for c in self.cameras.values()}:
                stored = self.recorder.last(room_id)
                tracker = PresenceTracker(self.rules)
                if stored is not None and stored.open and now - stored.checked_at <= self.rules.unknown_after:
                    if stored.state != DeskState.unknown:
                        tracker = PresenceTracker(
                            self.rules, state=stored.state, since=stored.since, last_sample=stored.checked_at
                        )
                        log.info("duty room %s: continuing %s since %s", room_id, stored.state.value, stored.since)
                elif stored is not None and stored.open:
                    self.recorder.close_open(room_id)  # stale: the watch was down meanwhile
                self.rooms[room_id] = RoomRuntime(room_id, tracker)
            for cam in self.cameras.values():
                self.files.load_reference(cam)
            self._resumed = True

    def mark_empty(self, room_id: str) -> list[str]:
        """The desk of `room_id` is empty now: each of its cameras takes its next picture as the
        empty-seat reference. Works across processes (a marker file the watch picks up)."""
        return self.files.mark(cam.device_id for cam in self.cameras.values() if cam.room_id == room_id)

    # -- pictures and status ---------------------------------------------------------------------
    def process_frame(self, frame: Frame) -> None:
        """Analyse one picture and decide (blocking: run it in a worker thread)."""
        cam = self.cameras.get(frame.device_id)
        if cam is None:
            return
        self.resume()
        now = frame.occurred_at
        cam.frames += 1
        cam.last_frame_at = now
        if self.files.take_mark(cam):
            cam.analyzer.mark_empty()
        boxes, sightings = self.faces.search(cam, frame.image, now) if cam.someone else ([], [])
        cues = cam.analyzer.analyze(shrink_gray(frame.image, self.params.width), (now - EPOCH).total_seconds(), boxes)
        cam.someone = cues.moving or cues.occupied or cues.face or cues.changed is None
        self.files.save_reference(cam, now)
        room = self.rooms[cam.room_id]
        with room.lock:
            room.last_image = frame.image
            room.sightings.extend(sightings)
            for s in sightings:
                room.faces[s.person_id or UNKNOWN_FACE] += 1
            changes = room.tracker.observe(DeskSample(now, cues.moving, cues.occupied, cues.face))
            self.decisions.apply(room, changes, now)

    def process_status(self, status: DeviceStatus) -> None:
        cam = self.cameras.get(status.device_id)
        if cam is None:
            return
        online = status.state == "online"
        was = cam.online
        cam.online = online
        if was is None and online:
            return
        if self.decisions.sink is None:
            return
        if online and not cam.offline_reported:
            return
        cam.offline_reported = not online
        self.decisions.report(Observation(
            kind=ObservationKind.camera_offline, site_id=cam.room_id, subject=cam.device_id,
            occurred_at=status.occurred_at, active=not online,
            summary=f"值班摄像头{cam.name}{'离线' if not online else '恢复'}",
            details={"camera": cam.device_id, "detail": status.detail[:200]},
        ))

    def tick(self, now: datetime | None = None) -> None:
        """Time passes without pictures: expire stale states, confirm, decide. (Snapshots are kept and
        deleted by watchd/ops/retention.py with their incidents.)"""
        self.resume()
        now = now or self.clock()
        for room in self.rooms.values():
            with room.lock:
                change = room.tracker.expire(now)
                self.decisions.apply(room, [change] if change else [], now)

    # -- the asyncio side ------------------------------------------------------------------------
    async def consume(
        self, device_id: str, frames: asyncio.Queue[Frame], events: asyncio.Queue[CheckIn | DeviceStatus],
        stop: asyncio.Event, heartbeat: Heartbeat | None = None,
    ) -> None:
        """One camera's consumer: pictures and status changes, and a tick while nothing arrives."""
        getters: dict[str, asyncio.Task[object]] = {}
        try:
            while not stop.is_set():
                if heartbeat is not None:
                    heartbeat.beat()  # at least every TICK_SECONDS, also while no picture arrives
                if "frame" not in getters:
                    getters["frame"] = asyncio.ensure_future(frames.get())
                if "event" not in getters:
                    getters["event"] = asyncio.ensure_future(events.get())
                done, _ = await asyncio.wait(
                    list(getters.values()), timeout=TICK_SECONDS, return_when=asyncio.FIRST_COMPLETED
                )
                try:
                    for name in [n for n, t in getters.items() if t in done]:
                        item = getters.pop(name).result()
                        if isinstance(item, DeviceStatus):
                            await asyncio.to_thread(self.process_status, item)
                        elif isinstance(item, Frame):
                            await asyncio.to_thread(self.process_frame, item)
                    if not done:
                        await asyncio.to_thread(self.tick)
                except Exception:
                    log.exception("duty camera %s: processing failed", device_id)
        finally:
            for task in getters.values():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    def status(self) -> list[dict[str, object]]:
        return [
            {
                "id": c.device_id, "room": c.room_id, "online": c.online, "frames": c.frames,
                "last_frame_at": c.last_frame_at.isoformat() if c.last_frame_at else None,
                "reference": c.analyzer.reference is not None,
            }
            for c in self.cameras.values()
        ]

