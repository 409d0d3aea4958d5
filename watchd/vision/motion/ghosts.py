"""Ghosts: spots that differ only from a background not learnt yet (docs/motion.md, "Start-up").

At start-up, after a reconnect and after a lighting transient the background is simply the first
picture. Whoever stood in it is baked in: when they walk on, the spot they leave differs from that
background although nothing is there. Frigate calibrates for a few seconds and motion skips its
first frames; both are blind meanwhile, and neither helps when someone stood still for a minute
before walking off. Here nothing waits. An object is a ghost when

- it does not move itself (under 3 % of it changed since the last analysed picture), and
- its outline is an edge of the background rather than of the picture (the background still
  shows whoever left; the picture shows the empty ground there).

A ghost is no object: it raises nothing, and the background takes the picture's value there at
once. A person already in the picture who moves changes between pictures and is reported as
usual; a vehicle that drives in and stops keeps its outline in the picture and stays an object.
The same test removes the ghost an object leaves when it goes after being learnt into the
background (a vehicle parked for an hour), which used to linger until learnt away.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

FloatImage = npt.NDArray[np.float32]
Mask = npt.NDArray[np.uint8]
_RING = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))


@dataclass(frozen=True, slots=True)
class GhostParams:
    moving: float = 0.03  # an object with less of its area changed since the last picture does not move
    edge_ratio: float = 1.0  # a ghost's outline is this much weaker in the picture than in the background


class GhostFilter:
    """Ghost rejection for one background model (see the module docstring)."""

    def __init__(self, params: GhostParams) -> None:
        self.params = params
        self._previous: FloatImage | None = None

    def restart(self, frame: FloatImage) -> None:
        """The background was just taken from `frame` as it is."""
        self._previous = frame

    def moving(self, frame: FloatImage, threshold: FloatImage) -> Mask | None:
        """255 where the picture changed since the last learnt one."""
        if self._previous is None:
            return None
        change = cv2.absdiff(frame, self._previous)
        return np.asarray(cv2.compare(change, threshold, cv2.CMP_GT), dtype=np.uint8)

    def ghosts(
        self,
        candidates: Iterable[int],
        labels: npt.NDArray[np.int32],
        stats: npt.NDArray[np.int32],
        moving: Mask,
        frame: FloatImage,
        background: FloatImage,
    ) -> set[int]:
        """The labels among `candidates` (components of `labels`, with their `stats`) that are ghosts."""
        changing = np.bincount(labels[moving > 0], minlength=len(stats))
        p = self.params
        found: set[int] = set()
        for i in candidates:
            if changing[i] >= p.moving * stats[i, cv2.CC_STAT_AREA]:
                continue
            if _outline_strength(labels, stats[i], i, frame) < p.edge_ratio * _outline_strength(
                labels, stats[i], i, background
            ):
                found.add(i)
        return found

    def learn(self, frame: FloatImage, background: FloatImage, ghosts: Mask | None) -> None:
        """Snap ghost pixels to the picture; remember the picture."""
        if ghosts is not None:
            spots = ghosts > 0
            background[spots] = frame[spots]
        self._previous = frame


def _outline_strength(
    labels: npt.NDArray[np.int32], stat: npt.NDArray[np.int32], label: int, image: FloatImage
) -> float:
    """Mean gradient magnitude of `image` along the component's outline (a ring two pixels wide)."""
    x, y, w, h = (int(v) for v in stat[:4])
    y0, y1, x0, x1 = (
        max(0, y - 2),
        min(labels.shape[0], y + h + 2),
        max(0, x - 2),
        min(labels.shape[1], x + w + 2),
    )
    blob = (labels[y0:y1, x0:x1] == label).astype(np.uint8)
    ring = cv2.dilate(blob, _RING) - cv2.erode(blob, _RING)
    patch = image[y0:y1, x0:x1]
    gx = cv2.Sobel(patch, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(patch, cv2.CV_32F, 0, 1, ksize=3)
    magnitude = cv2.magnitude(gx, gy)
    n = int(np.count_nonzero(ring))
    return float(magnitude[ring > 0].sum()) / n if n else 0.0
