"""The duty-room watch: desk camera pictures → presence → observations and the presence timeline.

Each `duty_camera` device runs the camera-kiosk capture driver (see devices/duty_camera) under the
device supervisor, which hands its frames (a queue of two, newest wins, drops counted) and its
online/offline transitions to `consume`. Per picture, in a worker thread:
1. cues from the picture (`watchd.vision.presence`): movement in the seat region, the seat's look
   against the empty seat, and - every `face_every_seconds` - faces in a crop around the seat,
   identified against the gallery every `identify_every_seconds`;
2. the room's `PresenceTracker` (pure, `watchd.domain.presence`) turns cues into present / absent
   / unknown, fed by every camera of the room; changes are stored as the presence timeline;
3. decisions with the picture's time as `now`: the desk empty for longer than the absence limit →
   `duty_room_unwatched` (its time is when the limit was crossed, so a replay after a restart is
   the same observation); someone other than the rostered officers for the configured stretch →
   `wrong_person_on_duty`; both are cleared when the condition ends. A camera going offline is
   reported as `camera_offline` (the desk state becomes unknown, never absent).
Observations go to the `ObservationSink` (the incident service), which decides who is told.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from devices.contracts import CheckIn, DeviceStatus, Frame
from watchd.db.session import Database
from watchd.domain.duty import OnDuty
from watchd.domain.observations import Observation, ObservationKind, ObservationSink
from watchd.domain.presence import (
    Change,
    DeskSample,
    DeskState,
    PresenceRules,
    PresenceTracker,
    Sighting,
    WrongPerson,
    unwatched_since,
    wrong_person,
)
from watchd.ops.heartbeat import Heartbeat
from watchd.services.duty import DutyService
from watchd.services.duty_presence import PresenceRecorder
from watchd.settings.duty import DeskCamera, DutySettings
from watchd.settings.root import Settings
from watchd.vision.images import encode_jpeg
from watchd.vision.presence import DeskAnalyzer, DeskParams, seat_box, shrink_gray
from watchd.vision.recognition import RecognitionEngine

log = logging.getLogger(__name__)
CHECK_EVERY = timedelta(seconds=30)  # how often the open presence stretch is confirmed in the database
ROSTER_EVERY = timedelta(seconds=30)
REFERENCE_SAVE_EVERY = timedelta(minutes=30)
# The seat crop is scaled to this long side: the recogniser's detector (tuned for kiosks) then
# tries two scales, and a face about 40 px wide in a 640 px picture is found.
FACE_CROP_PX = 640
TICK_SECONDS = 5.0
MAX_SIGHTINGS = 5000
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
UNKNOWN_FACE = "?"
PRUNE_EVERY = timedelta(hours=1)


@dataclass(slots=True)
class CameraRuntime:
    device_id: str
    room_id: str
    name: str
    desk: DeskCamera
    analyzer: DeskAnalyzer
    online: bool | None = None
    frames: int = 0
    last_frame_at: datetime | None = None
    last_face_search: datetime | None = None
    last_identify: datetime | None = None
    saved_reference: int = 0
    saved_at: datetime | None = None
    offline_reported: bool = False
    someone: bool = True  # the last picture showed movement or a changed seat: worth a face search


@dataclass(slots=True)
class RoomRuntime:
    room_id: str
    tracker: PresenceTracker
    lock: threading.Lock = field(default_factory=threading.Lock)
    sightings: deque[Sighting] = field(default_factory=lambda: deque(maxlen=MAX_SIGHTINGS))
    faces: Counter[str] = field(default_factory=Counter)
    unwatched: datetime | None = None  # the reported crossing time while the room is unwatched
    clear_sent: bool = False
    wrong: WrongPerson | None = None
    last_check: datetime | None = None
    shift: OnDuty | None = None
    shift_loaded: datetime | None = None
    last_image: npt.NDArray[np.uint8] | None = None


def presence_rules(config: DutySettings) -> PresenceRules:
    p = config.presence
    return PresenceRules(
        enter=timedelta(seconds=p.enter_seconds), hold=timedelta(seconds=p.hold_seconds),
        still=timedelta(minutes=p.still_minutes), unknown_after=timedelta(seconds=p.unknown_after_seconds),
    )


class DutyWatch:
    def __init__(
        self, duty: DutyService, recorder: PresenceRecorder, engine: RecognitionEngine | None,
        sink: ObservationSink | None, data_dir: Path, clock: Callable[[], datetime],
        camera_names: dict[str, str] | None = None,
    ) -> None:
        self.duty = duty
        self.config = duty.config
        self.recorder = recorder
        self.engine = engine
        self.sink = sink
        self.clock = clock
        self.dir = data_dir / "duty"
        self.data_dir = data_dir
        self.rules = presence_rules(self.config)
        self.limit = timedelta(minutes=self.config.absence_limit_minutes)
        self.stretch = timedelta(minutes=self.config.wrong_person_minutes)
        p = self.config.presence
        self.params = DeskParams(motion_min_area=p.motion_min_area, occupied_fraction=p.occupied_fraction)
        self.face_every = timedelta(seconds=p.face_every_seconds)
        self.identify_every = timedelta(seconds=p.identify_every_seconds)
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
        self._pruned: datetime | None = None
        self.dropped_frames = 0

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
                self._load_reference(cam)
            self._resumed = True

    def _reference_path(self, cam: CameraRuntime) -> Path:
        return self.dir / f"empty-seat-{cam.device_id}.png"

    def _mark_path(self, device_id: str) -> Path:
        return self.dir / f"mark-empty-{device_id}"

    def _load_reference(self, cam: CameraRuntime) -> None:
        path = self._reference_path(cam)
        if path.is_file():
            image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
            if image is not None:
                cam.analyzer.load_reference(np.asarray(image, dtype=np.uint8))
                cam.saved_reference = cam.analyzer.reference_changes

    def mark_empty(self, room_id: str) -> list[str]:
        """The desk of `room_id` is empty now: each of its cameras takes its next picture as the
        empty-seat reference. Works across processes (a marker file the watch picks up)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        marked = []
        for cam in self.cameras.values():
            if cam.room_id == room_id:
                self._mark_path(cam.device_id).touch()
                marked.append(cam.device_id)
        return marked

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
        marker = self._mark_path(cam.device_id)
        if marker.exists():
            cam.analyzer.mark_empty()
            marker.unlink(missing_ok=True)
        boxes, sightings = self._faces(cam, frame.image, now) if cam.someone else ([], [])
        cues = cam.analyzer.analyze(shrink_gray(frame.image, self.params.width), (now - EPOCH).total_seconds(), boxes)
        cam.someone = cues.moving or cues.occupied or cues.face or cues.changed is None
        self._save_reference(cam, now)
        room = self.rooms[cam.room_id]
        with room.lock:
            room.last_image = frame.image
            room.sightings.extend(sightings)
            for s in sightings:
                room.faces[s.person_id or UNKNOWN_FACE] += 1
            changes = room.tracker.observe(DeskSample(now, cues.moving, cues.occupied, cues.face))
            self._apply(room, changes, now)

    def process_status(self, status: DeviceStatus) -> None:
        cam = self.cameras.get(status.device_id)
        if cam is None:
            return
        online = status.state == "online"
        was = cam.online
        cam.online = online
        if was is None and online:
            return
        if self.sink is None:
            return
        if online and not cam.offline_reported:
            return
        cam.offline_reported = not online
        self._report(Observation(
            kind=ObservationKind.camera_offline, site_id=cam.room_id, subject=cam.device_id,
            occurred_at=status.occurred_at, active=not online,
            summary=f"值班摄像头{cam.name}{'离线' if not online else '恢复'}",
            details={"camera": cam.device_id, "detail": status.detail[:200]},
        ))

    def tick(self, now: datetime | None = None) -> None:
        """Time passes without pictures: expire stale states, confirm, decide; prune old snapshots."""
        self.resume()
        now = now or self.clock()
        for room in self.rooms.values():
            with room.lock:
                change = room.tracker.expire(now)
                self._apply(room, [change] if change else [], now)
        if self._pruned is None or now - self._pruned >= PRUNE_EVERY:
            self._pruned = now
            self.prune_snapshots(now)

    def prune_snapshots(self, now: datetime) -> int:
        """Delete incident snapshots older than the incidents' own retention (`alerts.keep_days`)."""
        cutoff = now - timedelta(days=self.duty.settings.alerts.keep_days)
        removed = 0
        for path in (self.dir / "snapshots").glob("*.jpg"):
            stamp = path.stem.rsplit("-", 1)[-1]
            try:
                taken = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            except ValueError:
                continue
            if taken < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    # -- the decisions ---------------------------------------------------------------------------
    def _apply(self, room: RoomRuntime, changes: list[Change], now: datetime) -> None:
        for change in changes:
            self.recorder.change(room.room_id, change.state, change.at)
            room.last_check = change.at
            log.info("duty room %s: %s since %s", room.room_id, change.state.value, change.at.isoformat())
        view = room.tracker.view
        if view.state != DeskState.unknown and (room.last_check is None or now - room.last_check >= CHECK_EVERY):
            if room.last_check is None:
                self.recorder.change(room.room_id, view.state, view.since or now)
            self.recorder.check(room.room_id, now, dict(room.faces))
            room.faces.clear()
            room.last_check = now
        shift = self._shift(room, now)
        self._decide_unwatched(room, shift, now)
        self._decide_wrong_person(room, shift, now)

    def _shift(self, room: RoomRuntime, now: datetime) -> OnDuty:
        stale = room.shift is None or room.shift_loaded is None or now - room.shift_loaded >= ROSTER_EVERY
        if stale or (room.shift is not None and not room.shift.start <= now < room.shift.end):
            room.shift = self.duty.shift_at(room.room_id, now)
            room.shift_loaded = now
        assert room.shift is not None
        return room.shift

    def _names(self, ids: tuple[str, ...]) -> str:
        return "、".join(self.duty.person_names(ids)) or "无排班"

    def _decide_unwatched(self, room: RoomRuntime, shift: OnDuty, now: datetime) -> None:
        view = room.tracker.view
        crossed = unwatched_since(view, self.limit, now)
        if crossed is not None and room.unwatched != crossed:
            room.unwatched = crossed
            room.clear_sent = False
            minutes = f"{self.config.absence_limit_minutes:g}"
            self._report(Observation(
                kind=ObservationKind.duty_room_unwatched, site_id=room.room_id, subject=room.room_id,
                occurred_at=crossed,
                summary=f"无人值守超过{minutes}分钟（值班：{self._names(shift.officers)}）",
                details={
                    "room": room.room_id, "absent_since": (view.since or crossed).isoformat(),
                    "officers": list(shift.officers), "leaders": list(shift.leaders),
                },
                snapshot_path=self._snapshot(room, "unwatched", crossed),
            ))
        elif view.state == DeskState.present and (room.unwatched is not None or not room.clear_sent):
            room.unwatched = None
            room.clear_sent = True
            self._report(Observation(
                kind=ObservationKind.duty_room_unwatched, site_id=room.room_id, subject=room.room_id,
                occurred_at=view.since or now, active=False, summary="值班人员已回到岗位",
            ))

    def _decide_wrong_person(self, room: RoomRuntime, shift: OnDuty, now: datetime) -> None:
        view = room.tracker.view
        present_since = view.since if view.state == DeskState.present else None
        finding = wrong_person(
            room.sightings, frozenset(shift.officers), present_since, now, self.stretch,
            self.config.wrong_person_sightings,
        )
        if finding is not None and room.wrong is None:
            room.wrong = finding
            seen = [pid for pid, _ in finding.seen if pid is not None]
            unknown = any(pid is None for pid, _ in finding.seen)
            who = "、".join([*self.duty.person_names(tuple(seen)), *(["未识别人员"] if unknown else [])])
            self._report(Observation(
                kind=ObservationKind.wrong_person_on_duty, site_id=room.room_id, subject=room.room_id,
                occurred_at=now,
                summary=f"在岗非排班人员：应为{self._names(shift.officers)}，实为{who}",
                details={
                    "room": room.room_id, "since": finding.since.isoformat(), "officers": list(shift.officers),
                    "seen": {pid or UNKNOWN_FACE: n for pid, n in finding.seen},
                },
                snapshot_path=self._snapshot(room, "wrong-person", now),
            ))
        elif finding is None and room.wrong is not None:
            room.wrong = None
            self._report(Observation(
                kind=ObservationKind.wrong_person_on_duty, site_id=room.room_id, subject=room.room_id,
                occurred_at=now, active=False, summary="排班人员已在岗或来人已离开",
            ))

    def _report(self, obs: Observation) -> None:
        if self.sink is None:
            log.warning("observation %s not reported: no incident service attached", obs.key)
            return
        try:
            self.sink.report(obs)
        except Exception:  # the incident service logged it; the watch goes on
            log.warning("observation %s could not be recorded", obs.key)

    # -- faces -----------------------------------------------------------------------------------
    def _faces(
        self, cam: CameraRuntime, image: npt.NDArray[np.uint8], now: datetime
    ) -> tuple[list[tuple[float, float, float, float]], list[Sighting]]:
        """Face boxes (fractions of the picture) in the seat crop and, when due, who the largest is."""
        if self.engine is None or image.ndim != 3:
            return [], []
        if cam.last_face_search is not None and now - cam.last_face_search < self.face_every:
            return [], []
        cam.last_face_search = now
        h, w = image.shape[:2]
        x0, y0, x1, y1 = seat_box(cam.desk.seat)
        left, top, right, bottom = int(x0 * w), int(y0 * h), max(int(x1 * w), int(x0 * w) + 1), max(int(y1 * h), int(y0 * h) + 1)
        crop = image[top:bottom, left:right]
        scale = min(3.0, max(0.25, FACE_CROP_PX / max(1, *crop.shape[:2])))
        if abs(scale - 1.0) > 0.05:
            method = cv2.INTER_LINEAR if scale > 1.0 else cv2.INTER_AREA
            crop = np.asarray(cv2.resize(crop, None, fx=scale, fy=scale, interpolation=method), np.uint8)
        else:
            scale = 1.0
        crop = np.ascontiguousarray(crop)
        try:
            faces = self.engine.detect_rgb(crop)
        except Exception:
            log.warning("duty camera %s: face detection failed", cam.device_id, exc_info=True)
            return [], []
        boxes = [
            ((left + f.box.left / scale) / w, (top + f.box.top / scale) / h,
             f.box.width / scale / w, f.box.height / scale / h)
            for f in faces
        ]
        sightings: list[Sighting] = []
        in_seat = [f for f, b in zip(faces, boxes, strict=True) if cam.analyzer.face_in_seat(b)]
        if in_seat and (cam.last_identify is None or now - cam.last_identify >= self.identify_every):
            cam.last_identify = now
            try:
                match = self.engine.match(self.engine.encode_rgb(crop, in_seat[0]))
                sightings.append(Sighting(now, match.person_id))
            except Exception:
                log.warning("duty camera %s: face identification failed", cam.device_id, exc_info=True)
        return boxes, sightings

    # -- files -----------------------------------------------------------------------------------
    def _save_reference(self, cam: CameraRuntime, now: datetime) -> None:
        changed = cam.analyzer.reference_changes != cam.saved_reference
        drifted = cam.saved_at is not None and now - cam.saved_at >= REFERENCE_SAVE_EVERY
        image = cam.analyzer.reference_image()
        if image is None or not (changed or drifted):
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        path = self._reference_path(cam)
        tmp = path.with_suffix(".tmp.png")
        if cv2.imwrite(str(tmp), image):
            tmp.replace(path)
        cam.saved_reference = cam.analyzer.reference_changes
        cam.saved_at = now
        if changed:
            log.info("duty camera %s: empty-seat reference updated", cam.device_id)

    def _snapshot(self, room: RoomRuntime, what: str, at: datetime) -> str | None:
        if room.last_image is None or room.last_image.ndim != 3:
            return None
        folder = self.dir / "snapshots"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{room.room_id}-{what}-{at.astimezone(UTC):%Y%m%dT%H%M%SZ}.jpg"
        try:
            path.write_bytes(encode_jpeg(room.last_image, max_side=640))
        except (OSError, ValueError):
            log.warning("duty room %s: snapshot not written", room.room_id, exc_info=True)
            return None
        return str(path.relative_to(self.data_dir))

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


def build_duty_watch(
    settings: Settings, db: Database, engine: RecognitionEngine | None, sink: ObservationSink | None,
    data_dir: Path, clock: Callable[[], datetime],
) -> DutyWatch:
    """The watch with its own services, for callers that were not handed the application's."""
    names = {d.id: d.name for d in settings.devices if d.kind == "duty_camera"}
    return DutyWatch(DutyService(db, settings, clock), PresenceRecorder(db), engine, sink, data_dir, clock, names)
