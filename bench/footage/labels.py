"""Intrusion intervals: from per-frame ground-truth masks (or a dataset's event script) to a labels file.

What counts as one intrusion (docs/footage.md, "Labels"):
- An object is a connected region of foreground pixels of at least `min_area` of the picture
  (the same 0.2 % as watchd's default smallest object), 8-connected.
- From one frame to the next an object keeps its identity when its box overlaps the object's
  last box grown by half its larger side (objects move between frames). When several regions
  touch one object, the largest continues it and the others split from it: they are followed,
  but they did not enter (a person getting out of a car, two cars that were one blob far away).
  A region touching two objects merges them into the older one.
- An object may vanish for up to `gap_s` (occlusion, a gap in the mask) and still be the same.
- An object seen for less than `min_s` is dropped (mask noise).
- Objects that appear within `group_s` of an intrusion's start join that intrusion (two people
  walking in together are one intrusion, one alert); a later object is a new intrusion, also
  while the earlier one is still there (a second car is a new object in a new place).
- Objects already there on the first labelled frame did not enter while we watched: they are
  "unscored" (alerts during them are neither caught nor false).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

Box = tuple[int, int, int, int]  # x, y, w, h in pixels
Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Interval:
    """Something in the picture from `start_s` to `end_s` (media seconds)."""

    start_s: float
    end_s: float
    what: str = "object"
    box: tuple[float, float, float, float] | None = None  # where it entered: x, y, w, h as fractions


@dataclass(frozen=True, slots=True)
class ClipLabels:
    """One clip's truth: the intrusions to catch, inside the scored window."""

    clip: str
    video: str
    fps: float
    scored_from_s: float
    scored_to_s: float
    intrusions: tuple[Interval, ...]
    unscored: tuple[Interval, ...] = ()
    scenario: tuple[str, ...] = ()
    how: str = ""
    source: dict[str, object] = field(default_factory=dict)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> ClipLabels:
        """Read a labels file; a malformed one raises ValueError naming the file and the key."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                clip=str(data["clip"]), video=str(data["video"]), fps=float(data["fps"]),
                scored_from_s=float(data["scored_from_s"]), scored_to_s=float(data["scored_to_s"]),
                intrusions=tuple(_interval(i) for i in data["intrusions"]),
                unscored=tuple(_interval(i) for i in data.get("unscored", [])),
                scenario=tuple(str(s) for s in data.get("scenario", [])), how=str(data.get("how", "")),
                source=dict(data.get("source", {})),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: not a labels file ({type(exc).__name__}: {exc})") from None


def _interval(data: dict[str, object]) -> Interval:
    box = data.get("box")
    return Interval(
        start_s=float(str(data["start_s"])), end_s=float(str(data["end_s"])), what=str(data.get("what", "object")),
        box=tuple(float(v) for v in box) if isinstance(box, list) else None,  # type: ignore[arg-type]
    )


@dataclass(slots=True)
class Track:
    """One object followed through the masks (frame numbers as the dataset counts them)."""

    first: int
    last: int
    box: Box
    entry_box: Box
    split: bool = False  # it came apart from an object already there: not an entry


@dataclass(frozen=True, slots=True)
class TrackParams:
    min_area: float = 0.002  # fraction of the picture
    gap_s: float = 0.5
    min_s: float = 0.5
    group_s: float = 1.0


def track_objects(masks: Iterable[tuple[int, Mask]], fps: float, params: TrackParams = TrackParams()) -> list[Track]:
    """Objects through a sequence of (frame number, foreground mask), consecutive frame numbers."""
    gap = max(1, round(params.gap_s * fps))
    group = max(0, round(params.group_s * fps))
    alive: list[Track] = []
    done: list[Track] = []
    for n, mask in masks:
        done.extend(t for t in alive if n - t.last > gap)
        alive = [t for t in alive if n - t.last <= gap]
        # Every region is compared with where the objects were before this frame; the largest region
        # touching an object continues it, a smaller one splits from it (not an entry).
        before = [(t, t.box) for t in alive]
        taken: set[int] = set()
        touched: dict[int, Track] = {}
        for box in sorted(_regions(mask, params.min_area), key=lambda b: -b[2] * b[3]):
            hits = [t for t, previous in before if _near(box, previous)]
            touched.update((id(t), t) for t in hits)
            free = [t for t in hits if id(t) not in taken]
            if free:
                keep = min(free, key=lambda t: t.first)
                keep.box, keep.last = box, n
                taken.add(id(keep))
            else:
                # Something coming in at the edge of the picture next to objects that have been there for a
                # while is a new arrival (a car entering behind another), not a part coming off them.
                arriving = _at_edge(box, mask.shape) and all(n - t.first > group for t in hits)
                alive.append(Track(first=n, last=n, box=box, entry_box=box, split=bool(hits) and not arriving))
        # Objects touched but not continued merged into another one: they end here.
        for key, track in touched.items():
            if key not in taken:
                alive.remove(track)
                done.append(track)
    done.extend(alive)
    shortest = max(1, round(params.min_s * fps))
    return sorted((t for t in done if t.last - t.first + 1 >= shortest), key=lambda t: (t.first, t.entry_box))


def intrusions_from_tracks(
    tracks: Sequence[Track], *, fps: float, first_frame: int, labelled_from: int, shape: tuple[int, int],
    what: str = "object", params: TrackParams = TrackParams(),
) -> tuple[list[Interval], list[Interval]]:
    """(intrusions, unscored) in media seconds; frame `first_frame` of the video is at 0 s."""
    h, w = shape

    def seconds(n: int) -> float:
        return round((n - first_frame) / fps, 3)

    def frac(b: Box) -> tuple[float, float, float, float]:
        return (round(b[0] / w, 3), round(b[1] / h, 3), round(b[2] / w, 3), round(b[3] / h, 3))

    group = max(0, round(params.group_s * fps))
    intrusions: list[tuple[int, int, Box]] = []
    unscored: list[Interval] = []
    for t in tracks:
        if t.split:
            continue
        if t.first <= labelled_from:
            unscored.append(Interval(seconds(t.first), seconds(t.last), what, frac(t.entry_box)))
        elif intrusions and t.first - intrusions[-1][0] <= group:
            first, last, box = intrusions[-1]
            intrusions[-1] = (first, max(last, t.last), box)
        else:
            intrusions.append((t.first, t.last, t.entry_box))
    return [Interval(seconds(a), seconds(b), what, frac(box)) for a, b, box in intrusions], unscored


def _regions(mask: Mask, min_area: float) -> list[Box]:
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    least = max(1, math.ceil(min_area * mask.shape[0] * mask.shape[1]))
    return [
        (int(stats[i, 0]), int(stats[i, 1]), int(stats[i, 2]), int(stats[i, 3]))
        for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] >= least
    ]


def _at_edge(box: Box, shape: tuple[int, ...]) -> bool:
    x, y, w, h = box
    return x <= 0 or y <= 0 or x + w >= shape[1] or y + h >= shape[0]


def _near(a: Box, b: Box) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    grow = max(bw, bh) // 2 + 2
    return ax < bx + bw + grow and bx - grow < ax + aw and ay < by + bh + grow and by - grow < ay + ah


def _union(a: Box, b: Box) -> Box:
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return (x0, y0, x1 - x0, y1 - y0)


def cdnet_foreground(gt: npt.NDArray[np.uint8]) -> Mask:
    """A CDnet ground-truth picture as a mask: 255 is motion; 170 (unknown, blurred edges), 85 (outside
    the region of interest), 50 (hard shadow) and 0 (static) are not."""
    grey = gt if gt.ndim == 2 else gt[..., 0]
    return np.asarray(grey >= 250)
