"""Motion events from per-picture measurements: persistence, minimum duration, quiet end (pure; media time).

A zone must see a persistent object (one that overlaps an object of the previous picture) for
`min_duration_s`; the event ends after `quiet_s` without motion in any zone. `is_armed` tells
whether motion counts at a local time of day (the camera's armed hours).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from watchd.vision.motion.detector import Blob, Measurement


@dataclass(frozen=True, slots=True)
class MotionTransition:
    kind: Literal["start", "end"]
    t: float  # start: onset (first picture of the persistent motion); end: last motion
    zones: tuple[str, ...]
    box: tuple[float, float, float, float] | None = None  # union of the zone objects at the transition
    peak_area: float = 0.0


class MotionEvents:
    """Persistence and quiet timing over per-picture results (pure; media time)."""

    def __init__(self, *, min_duration_s: float, quiet_s: float, max_gap_s: float = 0.7) -> None:
        self.min_duration_s = min_duration_s
        self.quiet_s = quiet_s
        self.max_gap_s = max_gap_s
        self.onset: float | None = None
        self.last_seen: float | None = None
        self.open = False
        self.zones: dict[str, None] = {}
        self.peak_area = 0.0

    @property
    def suspecting(self) -> bool:
        return self.onset is not None

    def update(self, m: Measurement, *, armed: bool = True) -> MotionTransition | None:
        hits = [b for b in m.zone_blobs if b.persistent or self.onset is None] if armed else []
        if hits:
            if self.onset is None or (self.last_seen is not None and m.t - self.last_seen > self.max_gap_s
                                      and not self.open):
                self.onset = m.t
                self.zones = {}
                self.peak_area = 0.0
            self.last_seen = m.t
            for blob in hits:
                self.zones.update(dict.fromkeys(blob.zones))
            self.peak_area = max(self.peak_area, max(b.area for b in hits))
            if not self.open and m.t - self.onset >= self.min_duration_s - 1e-6:
                self.open = True
                return MotionTransition("start", self.onset, tuple(self.zones), union_box(hits), self.peak_area)
            return None
        if self.last_seen is None:
            return None
        if self.open and m.t - self.last_seen >= self.quiet_s:
            end = MotionTransition("end", self.last_seen, tuple(self.zones), None, self.peak_area)
            self._clear()
            return end
        if not self.open and m.t - self.last_seen > self.max_gap_s:
            self._clear()
        return None

    def finish(self) -> MotionTransition | None:
        """Close an open event at the end of a stream."""
        if not self.open or self.last_seen is None:
            self._clear()
            return None
        end = MotionTransition("end", self.last_seen, tuple(self.zones), None, self.peak_area)
        self._clear()
        return end

    def _clear(self) -> None:
        self.onset = None
        self.last_seen = None
        self.open = False
        self.zones = {}
        self.peak_area = 0.0


def union_box(blobs: Sequence[Blob]) -> tuple[float, float, float, float] | None:
    if not blobs:
        return None
    x0 = min(b.box[0] for b in blobs)
    y0 = min(b.box[1] for b in blobs)
    x1 = max(b.box[0] + b.box[2] for b in blobs)
    y1 = max(b.box[1] + b.box[3] for b in blobs)
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
