"""Moving regions -> crops for the detector -> the class of each region.

Each region is cropped square with context (a person entering is often only partly a moving blob),
crops that overlap are merged, and each region gets the best-scoring detection whose centre lies in
the region (grown by half its size) or that covers most of it. Many regions: the picture is split
into square tiles instead. Boxes are (x, y, w, h) in fractions of the picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from watchd.vision.detectors.base import Detection, Detector, ObjectClass, Picture

Box = tuple[float, float, float, float]
CONTEXT = 2.5  # crop side / the region's longer side
MIN_SIDE_PX = 96
MAX_CROPS = 3  # more moving regions: tile the whole picture


@dataclass(frozen=True, slots=True)
class RegionClass:
    box: Box  # the moving region
    cls: ObjectClass
    score: float
    label: str = ""


def _crop_px(box: Box, width: int, height: int) -> tuple[int, int, int, int]:
    x, y, w, h = box[0] * width, box[1] * height, box[2] * width, box[3] * height
    side = min(max(max(w, h) * CONTEXT, MIN_SIDE_PX), width, height)
    cx, cy = x + w / 2, y + h / 2
    x0 = int(min(max(cx - side / 2, 0), width - side))
    y0 = int(min(max(cy - side / 2, 0), height - side))
    return x0, y0, x0 + int(side), y0 + int(side)


def _merge(crops: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    merged: list[tuple[int, int, int, int]] = []
    for c in sorted(crops):
        if merged and c[0] < merged[-1][2] and c[1] < merged[-1][3] and merged[-1][1] < c[3]:
            m = merged.pop()
            c = (min(m[0], c[0]), min(m[1], c[1]), max(m[2], c[2]), max(m[3], c[3]))
        merged.append(c)
    return merged


def tiles(width: int, height: int) -> list[tuple[int, int, int, int]]:
    """Square tiles covering the picture (two for 16:9), overlapping evenly."""
    side = min(width, height)
    n = max(1, -(-width // side)) if width >= height else max(1, -(-height // side))
    if width >= height:
        step = (width - side) / max(1, n - 1)
        return [(round(i * step), 0, round(i * step) + side, side) for i in range(n)]
    step = (height - side) / max(1, n - 1)
    return [(0, round(i * step), side, round(i * step) + side) for i in range(n)]


def windows(boxes: Sequence[Box], width: int, height: int) -> list[tuple[int, int, int, int]]:
    """The parts of the picture the detector sees for these moving regions (pixels x0, y0, x1, y1)."""
    if not boxes:
        return []
    crops = _merge([_crop_px(b, width, height) for b in boxes])
    return crops if len(crops) <= MAX_CROPS else tiles(width, height)


def detect_regions(detector: Detector, picture: Picture, boxes: Sequence[Box]) -> list[Detection]:
    """The detector over the windows of these regions; detections in fractions of the whole picture."""
    height, width = picture.shape[:2]
    found: list[Detection] = []
    for x0, y0, x1, y1 in windows(boxes, width, height):
        cw, ch = x1 - x0, y1 - y0
        for d in detector.detect(picture[y0:y1, x0:x1]):
            bx, by, bw, bh = d.box
            box = ((x0 + bx * cw) / width, (y0 + by * ch) / height, bw * cw / width, bh * ch / height)
            found.append(Detection(d.cls, d.score, box, d.label))
    return found


def _matches(region: Box, det: Box) -> bool:
    rx, ry, rw, rh = region
    dx, dy, dw, dh = det
    cx, cy = dx + dw / 2, dy + dh / 2
    if rx - rw / 2 <= cx <= rx + 1.5 * rw and ry - rh / 2 <= cy <= ry + 1.5 * rh:
        return True
    ix = max(0.0, min(rx + rw, dx + dw) - max(rx, dx))
    iy = max(0.0, min(ry + rh, dy + dh) - max(ry, dy))
    return ix * iy >= 0.5 * rw * rh


def classify_regions(boxes: Sequence[Box], detections: Sequence[Detection]) -> list[RegionClass]:
    """Each moving region's class: the best detection that matches it, else unknown."""
    out = []
    for box in boxes:
        best = max((d for d in detections if _matches(box, d.box)), key=lambda d: d.score, default=None)
        out.append(
            RegionClass(box, best.cls, best.score, best.label) if best else RegionClass(box, "unknown", 0.0)
        )
    return out
