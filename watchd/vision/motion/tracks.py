"""Objects followed from picture to picture: where each was born, whether it travels, and what is new.

A moving object becomes a track. Each object continues the nearest track it touches (its last box
grown by half the larger side: objects move between pictures), each track at most one object, nearest
pairs first, so a car in the next lane that has its own object is never swallowed by a bigger one
beside it. An object touching a track that went to another object is a *split* (a person getting
out of a car, a blob that came apart). A track left without an object is hidden (merged into a
neighbour's object, or too faint for a picture) and can come out again; unseen for longer than
`max_gap_s` it ends. Where a merged track ends is no resting place (below).

Two facts per track drive the events (events.py):
- `travel`: how far its centre has gone from where it was born, along either axis, in units of
  its birth width or height (at least `min_size` of the picture). A person or a vehicle coming in travels; a tree in the
  wind, rippling water or a flickering screen stays where it is, however much it changes.
- `new_place`: it was born away from every object being followed (not a split). A second car
  or person entering while an event is open is such a track. One born where a reported object
  was last seen (within `rest_s`) is that object moving again (a person who sat still and gets
  up, a car hidden for a moment): it belongs to what was reported and raises nothing new.
Pure; media time in seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from watchd.vision.motion.detector import Blob

FBox = tuple[float, float, float, float]  # x, y, w, h as fractions of the picture


@dataclass(frozen=True, slots=True)
class TrackParams:
    max_gap_s: float = 0.7  # a track unseen for longer ends
    min_size: float = 0.04  # travel is measured in units of the birth size, at least this (fraction)
    rest_s: float = 60.0  # where a reported object stopped being seen is remembered this long
    min_travel: float = 0.5  # a track that went this far (in birth sizes) travels


@dataclass(slots=True)
class Track:
    id: int
    born: float
    first: FBox
    box: FBox
    last: float
    split: bool  # born touching another track: not an entry of its own
    zones: dict[str, None] = field(default_factory=dict)
    travel: float = 0.0
    confirmed: bool = False  # raised (or belongs to) an event
    area: float = 0.0
    rest_t: float | None = None  # resumed where a reported object was last seen moving, at that time
    merged: bool = False  # last seen inside another object's region: where it ends is no resting place

    @property
    def travels(self) -> bool:
        return self.travel >= self.min_travel

    min_travel: float = 0.5

    @property
    def new_place(self) -> bool:
        return not self.split


def _centre(b: FBox) -> tuple[float, float]:
    return b[0] + b[2] / 2, b[1] + b[3] / 2


def near(a: FBox, b: FBox) -> bool:
    mx, my = max(a[2], b[2]) / 2, max(a[3], b[3]) / 2
    return (
        a[0] - mx < b[0] + b[2]
        and b[0] - mx < a[0] + a[2]
        and a[1] - my < b[1] + b[3]
        and b[1] - my < a[1] + a[3]
    )


def distance(a: FBox, b: FBox) -> float:
    """How far apart two boxes' centres are, in units of the larger width or height (the scale of `near`)."""
    (ax, ay), (bx, by) = _centre(a), _centre(b)
    return max(abs(ax - bx) / max(a[2], b[2], 1e-6), abs(ay - by) / max(a[3], b[3], 1e-6))


class Tracker:
    """The tracks of one camera (see the module docstring)."""

    def __init__(self, params: TrackParams | None = None) -> None:
        self.params = params or TrackParams()
        self.alive: list[Track] = []
        self.rests: list[tuple[FBox, float]] = []  # where reported objects were last seen, and when
        self._next = 1

    def reset(self) -> None:
        self.alive = []
        self.rests = []

    def update(self, t: float, blobs: Sequence[Blob]) -> list[Track]:
        """Follow this picture's objects; returns the tracks seen in it."""
        p = self.params
        gone = [k for k in self.alive if t - k.last > p.max_gap_s + 1e-6]
        # A resumed object that only stirs keeps the time it was last seen travelling: the place is forgotten
        # `rest_s` after that, whatever stirs there meanwhile.
        self.rests = [r for r in self.rests if t - r[1] <= p.rest_s] + [
            (k.box, k.last if k.rest_t is None or k.travels else k.rest_t)
            for k in gone
            if k.confirmed and not k.merged
        ]
        self.alive = [k for k in self.alive if t - k.last <= p.max_gap_s + 1e-6]
        # Each object continues the nearest track it touches, each track at most one object: a neighbour that
        # has its own object is never swallowed by a bigger one beside it (cars in dense traffic).
        pairs = sorted(
            (distance(blob.box, k.box), i, n)
            for i, blob in enumerate(blobs)
            for n, k in enumerate(self.alive)
            if near(blob.box, k.box)
        )
        owner: dict[int, Track] = {}
        used: set[int] = set()
        for _, i, n in pairs:
            if i not in owner and n not in used:
                owner[i] = self.alive[n]
                used.add(n)
        # A track left without an object of its own is hidden (merged into a neighbour's object, or too faint in
        # this picture): it keeps its place and ends if unseen for `max_gap_s`, so it can come out again.
        touched = {i for _, i, _ in pairs}
        near_owned = {n for _, _, n in pairs}
        for n, k in enumerate(self.alive):
            k.merged = n not in used and (n in near_owned or k.merged)
        seen: list[Track] = []
        for i, blob in enumerate(blobs):
            keep = owner.get(i)
            if keep is not None:
                self._extend(keep, blob, t)
                seen.append(keep)
                continue
            # Born where a reported object stopped (it sat down, stood still, was hidden): the same one.
            hit = i in touched
            rest = None if hit else next((since for box, since in self.rests if near(blob.box, box)), None)
            track = Track(
                self._next,
                t,
                blob.box,
                blob.box,
                t,
                split=hit or rest is not None,
                area=blob.area,
                confirmed=rest is not None,
                rest_t=rest,
                min_travel=p.min_travel,
            )
            track.zones.update(dict.fromkeys(blob.zones))
            self._next += 1
            self.alive.append(track)
            seen.append(track)
        return seen

    def _extend(self, track: Track, blob: Blob, t: float) -> None:
        (x0, y0), (x1, y1) = _centre(track.first), _centre(blob.box)
        least = self.params.min_size
        shift = max(abs(x1 - x0) / max(least, track.first[2]), abs(y1 - y0) / max(least, track.first[3]))
        track.travel = max(track.travel, shift)
        track.box, track.last, track.area = blob.box, t, blob.area
        track.zones.update(dict.fromkeys(blob.zones))
