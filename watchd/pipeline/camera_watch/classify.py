"""What moved, per camera: the classes seen during a motion event and whether (and how) it raises one.

The loop (loop.py) holds a motion start until `decide` says so: at once for a class that raises an
event where it moved (zone, then site, then [camera_watch.classify] classes; default: every class
raises at the configured severity), at once as "unknown" when the detector gave no answer (failed,
busy, missing: the watch is never blind because of it), and as "unknown" after `confirm_s` when
nothing was recognised. Motion recognised only as ignored classes (e.g. animals in a pasture) raises
nothing unless something else is recognised while it lasts. The best picture of each class is kept
for its snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from devices.registry import CameraConfig
from watchd.pipeline.camera_watch.detector_pool import DetectorPool, Failure
from watchd.settings.cameras import ClassifySettings
from watchd.vision.detectors.base import CLASS_TEXT, ObjectClass, Picture
from watchd.vision.detectors.regions import Box, classify_regions
from watchd.vision.motion.detector import Blob
from watchd.vision.motion.tracks import near

PRIORITY: tuple[ObjectClass, ...] = ("person", "vehicle", "animal", "unknown")
CONFIDENT = 0.6  # a region recognised with this score is not sent to the detector again while it moves on
TEXT = CLASS_TEXT
SEVERITY_RANK = {"alert": 0, "normal": 1, "major": 2}


def actions_for(settings: ClassifySettings, config: CameraConfig, zone: str | None) -> Mapping[str, str]:
    """What each class does in this zone of this camera: zone, then site, then the global setting."""
    merged: dict[str, str] = {}
    own = [z.classes for z in config.zones if z.name == zone]
    for layer in (settings.classes, settings.classes_by_site.get(config.site, {}), *own):
        merged.update({str(k): str(v) for k, v in layer.items()})
    return merged


@dataclass(frozen=True, slots=True)
class Decision:
    cls: ObjectClass
    score: float
    severity: str | None  # "normal" / "major"; None: the zone's or site's as without classes
    reason: str = ""  # unknown because: unavailable, busy, failed, unrecognised


@dataclass(slots=True)
class Seen:
    score: float
    picture: Picture
    blobs: tuple[Blob, ...]
    zones: tuple[str, ...]


@dataclass(slots=True)
class _Event:
    onset_t: float
    seen: dict[str, Seen] = field(default_factory=dict)
    failure: Failure | None = None
    last_t: float = -1e9
    known: list[Box] = field(default_factory=list)  # where confidently recognised objects are now


class CameraClassifier:
    """One camera's classification state; runs in the camera's worker thread."""

    def __init__(self, config: CameraConfig, settings: ClassifySettings, pool: DetectorPool) -> None:
        self.config = config
        self.settings = settings
        self.pool = pool
        self.ignored_events = 0  # motion that raised nothing: only ignored classes were recognised
        self.unknown_events = 0  # events sent as unknown because the detector gave no answer
        self._event: _Event | None = None

    def begin(self, onset_t: float) -> None:
        self._event = _Event(onset_t)

    def end(self) -> dict[str, Seen]:
        event, self._event = self._event, None
        return event.seen if event is not None else {}

    @property
    def seen(self) -> Mapping[str, Seen]:
        return self._event.seen if self._event is not None else {}

    def due(self, t: float) -> bool:
        return self._event is not None and t - self._event.last_t >= self.settings.interval_s - 1e-6

    def unknown(self, blobs: Sequence[Blob]) -> list[Blob]:
        """The moving regions not yet recognised: those away from every confidently recognised object (which
        is followed to where it moved, so a person walking on is not sent to the detector again)."""
        event = self._event
        if event is None:
            return []
        fresh = []
        for blob in blobs:
            hit = next((i for i, box in enumerate(event.known) if near(blob.box, box)), None)
            if hit is None:
                fresh.append(blob)
            else:
                event.known[hit] = blob.box
        return fresh

    def observe(
        self, picture: Picture, blobs: Sequence[Blob], t: float, *, outline: Sequence[Blob] | None = None
    ) -> None:
        """Classify the moving regions of this picture (all in one call); remember the best picture of each
        class, and where confidently recognised objects are (`unknown`). `outline`: every moving region of the
        picture, outlined on its snapshot (default: `blobs`)."""
        event = self._event
        if event is None or not blobs:
            return
        event.last_t = t
        outcome = self.pool.run(picture, [b.box for b in blobs])
        if outcome.detections is None:
            event.failure = outcome.failure
            return
        event.failure = None
        for blob, region in zip(
            blobs, classify_regions([b.box for b in blobs], outcome.detections), strict=True
        ):
            if region.cls == "unknown":
                continue
            if region.score >= CONFIDENT:
                event.known.append(blob.box)
            best = event.seen.get(region.cls)
            if best is None or region.score > best.score:
                event.seen[region.cls] = Seen(
                    region.score, np.array(picture, copy=True), tuple(outline or blobs), blob.zones
                )

    def _action(self, cls: str, zones: Sequence[str]) -> str:
        """The strongest action of a class over the zones it moved in ("ignore" only if ignored in all)."""
        where: Sequence[str | None] = list(zones) or [None]
        acts = [actions_for(self.settings, self.config, z).get(cls, "alert") for z in where]
        raising = [a for a in acts if a != "ignore"]
        return max(raising, key=SEVERITY_RANK.__getitem__) if raising else "ignore"

    def decide(self, t: float, zones: Sequence[str]) -> Decision | None:
        """Start the held event now (with its class), or None to wait."""
        event = self._event
        if event is None:
            return None
        for cls in PRIORITY[:3]:
            seen = event.seen.get(cls)
            if seen is None:
                continue
            action = self._action(cls, seen.zones or tuple(zones))
            if action != "ignore":
                return Decision(cls, round(seen.score, 3), None if action == "alert" else action)
        if event.failure is not None:
            self.unknown_events += 1
            return Decision("unknown", 0.0, None, event.failure)
        if not event.seen and t - event.onset_t >= self.settings.confirm_s - 1e-6:
            action = self._action("unknown", zones)
            if action != "ignore":
                return Decision("unknown", 0.0, None if action == "alert" else action, "unrecognised")
        return None
