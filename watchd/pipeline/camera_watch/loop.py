"""The per-camera loop: pictures of one `VideoStream` -> motion and tamper transitions -> `LoopEvent`s.

Adaptive decoding: keyframes only while quiet (once the camera's keyframe interval is measured
within its limit, keyframes.py), every picture - re-decoded from the last keyframe - as soon as a
keyframe suggests motion, keyframes again when quiet. Clips need the packets the decoder saw, so
the loop starts and stops them on the stream; it writes the event's snapshot (media.py) and hands
each transition to `emit`, in the thread that reads the camera.

Shared by the daemon (watch.py) and `watchd motion` (replay.py), so both behave the same.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from devices.contracts import ClipInfo, LumaFrame, VideoStream
from devices.registry import CameraConfig
from watchd.pipeline.camera_watch.classify import CameraClassifier, Decision
from watchd.pipeline.camera_watch.keyframes import KeyframeCheck
from watchd.pipeline.camera_watch.media import media_path, write_snapshot
from watchd.vision.motion.detector import Measurement, MotionDetector, MotionParams, Region
from watchd.vision.motion.events import MotionEvents, MotionTransition
from watchd.vision.tamper import TamperCheck, TamperParams, TamperTransition

log = logging.getLogger(__name__)
EventKind = Literal["motion", "tamper", "camera_offline"]
Phase = Literal["start", "end"]
TAMPER_INTERVAL_S = 1.0


@dataclass(frozen=True, slots=True)
class SeenClass:
    """A class recognised during a motion event: its best score and the snapshot of that picture."""

    cls: str
    score: float
    snapshot: Path | None = None


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
    # With a detector (classify.py): the class the event was raised for, why it is unknown if it is
    # (unavailable, busy, failed, unrecognised), its severity by class ("normal"/"major"; None: as without
    # classes) and every class seen (at the end: with each one's best snapshot).
    object_class: str = ""
    class_reason: str = ""
    severity: str | None = None
    classes: tuple[SeenClass, ...] = ()


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
        monotonic: Callable[[], float] = time.monotonic,
        classifier: CameraClassifier | None = None,
    ) -> None:
        self.config = config
        self.classifier = classifier  # what moved; None: every event is "motion" as before
        self.monotonic = monotonic  # when the last picture came (offline detection)
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
        self._motion_at: datetime | None = None
        self._motion_class = ""
        self._held: MotionTransition | None = None  # a start waiting for its class
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
                self.counters.last_frame_mono = self.monotonic()
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
        self._held = None
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
        if transition is not None and transition.kind == "start" and transition.closes is not None:
            self._motion_end(stream, transition.closes)  # a new object in a new place: its own event
        if transition is not None and transition.kind == "start" and self.classifier is not None:
            self._held = transition
            self.classifier.begin(transition.t)
        elif transition is not None and transition.kind == "start":
            self._motion_start(stream, transition, m)
        elif transition is not None:
            self._motion_end(stream, transition)
        if self.classifier is not None and self.events.open:
            self._classify(stream, m)
        if self._clip_open and t - self._clip_started >= self.max_clip_s:
            stream.stop_clip()  # the event goes on; its clip is long enough
            self._clip_open = False
        if self.tamper is not None and (idle or t - self._last_tamper >= TAMPER_INTERVAL_S):
            self._last_tamper = t
            self._on_tamper(self.tamper.update(t, frame.luma), t)
        quiet = (
            not self.events.open and not self.events.suspecting and t - self._last_activity >= self.quiet_s
        )
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

    def _classify(self, stream: VideoStream, m: Measurement) -> None:
        """Classify the moving regions (at most every interval_s); start a held event once decided."""
        assert self.classifier is not None
        fresh = self.classifier.unknown(m.zone_blobs)  # regions not yet recognised; known ones are followed
        if fresh and self.classifier.due(m.t):
            picture = stream.snapshot_bgr()
            if picture is not None:
                self.classifier.observe(picture, fresh, m.t, outline=m.zone_blobs)
        held = self._held
        if held is not None and (decision := self.classifier.decide(m.t, held.zones)) is not None:
            self._held = None
            self._motion_start(stream, held, m, decision)

    def _motion_start(
        self, stream: VideoStream, tr: MotionTransition, m: Measurement, decision: Decision | None = None
    ) -> None:
        at = self._wall(tr.t)
        key = self._key("motion", at)
        self._motion_key = key
        self._motion_at = at
        self._motion_class = decision.cls if decision else ""
        seen = self.classifier.seen.get(decision.cls) if self.classifier and decision else None
        if seen is not None and self.media_dir is not None:
            path = media_path(self.media_dir, self.config.id, at, ".jpg")
            snapshot = write_snapshot(path, seen.picture, seen.blobs, self.zones, camera_id=self.config.id)
        else:
            snapshot = self._snapshot(stream, m)
        self._motion_snapshot = snapshot
        if self.clips and self.media_dir is not None:
            stream.start_clip(str(media_path(self.media_dir, self.config.id, at, "")), tr.t - self.pre_s)
            self._clip_open = True
            self._clip_started = tr.t
        self.counters.events += 1
        self.emit(
            LoopEvent(
                camera_id=self.config.id, kind="motion", phase="start", key=key, media_s=tr.t, at=at,
                zones=tr.zones, box=tr.box, boxes=tuple(b.box for b in m.zone_blobs), peak_area=tr.peak_area,
                snapshot=snapshot, **_classified(decision, self.classifier),
            )
        )

    def _motion_end(self, stream: VideoStream | None, tr: MotionTransition) -> None:
        key, self._motion_key = self._motion_key, None
        if self._held is not None and self.classifier is not None:
            self.classifier.ignored_events += 1  # only ignored classes moved: nothing was raised
            log.debug("camera %s: motion at %.1f s ignored (%s)", self.config.id, tr.t, ", ".join(self.classifier.seen))
        self._held = None
        seen = self.classifier.end() if self.classifier is not None else {}
        clip = None
        if stream is not None and self._clip_open:
            clip = stream.stop_clip()
            self._clip_open = False
        if key is None:
            return
        classes = []
        for cls, best in sorted(seen.items(), key=lambda kv: -kv[1].score):
            path = None
            if self.media_dir is not None and self._motion_at is not None:
                path = write_snapshot(
                    media_path(self.media_dir, self.config.id, self._motion_at, f"-{cls}.jpg"), best.picture,
                    best.blobs, self.zones, camera_id=self.config.id,
                )
            classes.append(SeenClass(cls, round(best.score, 3), path))
        self.emit(
            LoopEvent(
                camera_id=self.config.id, kind="motion", phase="end", key=key, media_s=tr.t, at=self._wall(tr.t),
                zones=tr.zones, peak_area=tr.peak_area, snapshot=self._motion_snapshot, clip=clip,
                classes=tuple(classes), object_class=self._motion_class,
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
                camera_id=self.config.id,
                kind="tamper",
                phase=kind,
                key=key,
                media_s=start_t,
                at=at,
                reason=reason,
                detail=detail,
            )
        )

    def _snapshot(self, stream: VideoStream, m: Measurement) -> Path | None:
        if self.media_dir is None:
            return None
        picture = stream.snapshot_bgr()
        if picture is None:
            return None
        path = media_path(self.media_dir, self.config.id, self._wall(m.t), ".jpg")
        return write_snapshot(path, picture, m.zone_blobs, self.zones, camera_id=self.config.id)


def _classified(decision: Decision | None, classifier: CameraClassifier | None) -> dict[str, Any]:
    """The class fields of a start event: the deciding class and every class seen so far."""
    if decision is None or classifier is None:
        return {}
    seen = tuple(SeenClass(cls, round(s.score, 3)) for cls, s in classifier.seen.items())
    return {"object_class": decision.cls, "class_reason": decision.reason, "severity": decision.severity,
            "classes": seen}
