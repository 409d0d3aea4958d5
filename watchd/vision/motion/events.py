"""Motion events from per-picture measurements: persistence, minimum duration, quiet end (pure; media time).

A zone must see a persistent object (one that overlaps an object of the previous picture) for
`min_duration_s`; the event ends after `quiet_s` without motion in any zone. `is_armed` tells
whether motion counts at a local time of day (the camera's armed hours).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from watchd.vision.motion.detector import Measurement
from watchd.vision.motion.tracks import Track, Tracker, TrackParams, near


@dataclass(frozen=True, slots=True)
class MotionTransition:
    kind: Literal["start", "end"]
    t: float  # start: onset (first picture of the persistent motion); end: last motion
    zones: tuple[str, ...]
    box: tuple[float, float, float, float] | None = None  # union of the zone objects at the transition
    peak_area: float = 0.0
    new_object: bool = False  # a start while an event was open: a new object in a new place (its own alert)
    closes: MotionTransition | None = None  # with new_object: the end of the event that was open


class MotionEvents:
    """Tracks, persistence and quiet timing over per-picture results (pure; media time).

    An event starts when an object in a zone has been followed for `min_duration_s` and has
    travelled at least `min_travel` of its own size (a tree, water or a screen changes in place
    and raises nothing). While an event is open, an object born in a new place (not split from
    one being followed) that does the same starts a new event: the open one ends there and the
    new one gets its own alert, snapshot and clip (`new_object`). The event ends after
    `quiet_s` without any of its objects.
    """

    def __init__(
        self, *, min_duration_s: float, quiet_s: float, max_gap_s: float = 0.7, min_travel: float = 0.5
    ) -> None:
        self.min_duration_s = min_duration_s
        self.quiet_s = quiet_s
        self.max_gap_s = max_gap_s
        self.tracker = Tracker(TrackParams(max_gap_s=max_gap_s, min_travel=min_travel))
        self.last_seen: float | None = None
        self.open = False
        self.zones: dict[str, None] = {}
        self.peak_area = 0.0
        self._seen: list[Track] = []

    @property
    def onset(self) -> float | None:
        """The birth of the oldest object followed while no event is open."""
        if self.open:
            return None
        return min((k.born for k in self.tracker.alive), default=None)

    @property
    def suspecting(self) -> bool:
        return self.open or bool(self.tracker.alive)

    def update(self, m: Measurement, *, armed: bool = True) -> MotionTransition | None:
        seen = self.tracker.update(m.t, m.zone_blobs if armed else ())
        self._seen = seen
        ready = [k for k in seen if not k.confirmed and self._ready(k, m.t)]
        # Ready while touching an object already reported: a piece of it (a limb, its shadow, a bush its
        # arrival stirred), not a newcomer.
        reported = [k for k in self.tracker.alive if k.confirmed]
        for k in [k for k in ready if any(near(k.box, r.box) for r in reported)]:
            k.confirmed = True
            ready.remove(k)
        if not self.open:
            if not ready:
                return None
            first = one_place(ready)
            for k in first:
                k.confirmed = True
            return self._start(m.t, first, new_object=False)
        # New objects in new places get one alert each: another one ready elsewhere in this picture waits for
        # the next picture (0.2 s) for its own.
        fresh = one_place([k for k in ready if k.new_place])
        for k in ready:
            k.confirmed = k.confirmed or not k.new_place or k in fresh
        if any(k.confirmed for k in seen):
            self.last_seen = m.t
            for k in seen:
                if k.confirmed:
                    self.zones.update(k.zones)
                    self.peak_area = max(self.peak_area, k.area)
        if fresh:
            return self._start(m.t, fresh, new_object=True)
        if self.last_seen is not None and m.t - self.last_seen >= self.quiet_s:
            end = MotionTransition("end", self.last_seen, tuple(self.zones), None, self.peak_area)
            self._clear()
            return end
        return None

    def _ready(self, k: Track, t: float) -> bool:
        return t - k.born >= self.min_duration_s - 1e-6 and k.travels

    def _start(self, t: float, tracks: list[Track], *, new_object: bool) -> MotionTransition:
        closes = MotionTransition("end", t, tuple(self.zones), None, self.peak_area) if new_object else None
        self.open = True
        self.last_seen = t
        self.zones = {}
        for k in tracks:
            self.zones.update(k.zones)
        self.peak_area = max(k.area for k in tracks)
        box = union_boxes([k.box for k in tracks])
        return MotionTransition(
            "start", min(k.born for k in tracks), tuple(self.zones), box, self.peak_area, new_object, closes
        )

    def finish(self) -> MotionTransition | None:
        """Close an open event at the end of a stream."""
        if not self.open or self.last_seen is None:
            self._clear()
            return None
        end = MotionTransition("end", self.last_seen, tuple(self.zones), None, self.peak_area)
        self._clear()
        return end

    def _clear(self) -> None:
        self.last_seen = None
        self.open = False
        self.zones = {}
        self.peak_area = 0.0


def one_place(tracks: list[Track]) -> list[Track]:
    """The oldest of these tracks and those touching it: what one alert is about."""
    if not tracks:
        return []
    oldest = min(tracks, key=lambda k: k.born)
    return [k for k in tracks if k is oldest or near(k.box, oldest.box)]


def union_boxes(
    boxes: Sequence[tuple[float, float, float, float]],
) -> tuple[float, float, float, float] | None:
    if not boxes:
        return None
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return (x0, y0, x1 - x0, y1 - y0)


def is_armed(windows: Sequence[tuple[int, int]], minute_of_day: int) -> bool:
    """Whether a local minute of the day (0..1439) falls in any window; no windows: always armed."""
    if not windows:
        return True
    for start, end in windows:
        if start < end and start <= minute_of_day < end:
            return True
        if start > end and (minute_of_day >= start or minute_of_day < end):  # across midnight
            return True
    return False
