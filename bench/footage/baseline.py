"""The plain baseline: frame differencing against a running average, fixed threshold and smallest area.

What every simple NVR motion detector does (and what watchd has to beat): blur, compare with a
running average of past pictures, threshold, dilate, keep regions of at least `min_area`. Events
use the same timing as watchd's defaults: motion must last `min_duration_s` (gaps up to
`max_gap_s` allowed) to raise an alert, and the event ends after `quiet_s` without motion.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from footage.scoring import Alert

_DILATE = cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5))


@dataclass(frozen=True, slots=True)
class BaselineParams:
    analysis_fps: float = 5.0
    average_s: float = 4.0  # time constant of the running average
    threshold: int = 25  # grey levels
    min_area: float = 0.002  # fraction of the picture
    min_duration_s: float = 1.0
    max_gap_s: float = 0.7
    quiet_s: float = 5.0


class RunningAverage:
    """Per-picture motion: is there a region of at least `min_area` differing from the running average?"""

    def __init__(self, params: BaselineParams) -> None:
        self.params = params
        self.average: npt.NDArray[np.float32] | None = None
        self.last_t: float | None = None

    def moving(self, luma: npt.NDArray[np.uint8], t: float) -> bool:
        frame = np.asarray(cv2.GaussianBlur(luma, (5, 5), 0), dtype=np.float32)
        if self.average is None or self.last_t is None:
            self.average, self.last_t = frame, t
            return False
        diff = cv2.absdiff(frame, self.average)
        _, fg = cv2.threshold(diff, float(self.params.threshold), 255, cv2.THRESH_BINARY)
        fg = cv2.dilate(fg.astype(np.uint8), _DILATE)
        count, _, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=8)
        least = self.params.min_area * luma.shape[0] * luma.shape[1]
        moving = any(stats[i, cv2.CC_STAT_AREA] >= least for i in range(1, count))
        alpha = 1.0 - math.exp(-max(t - self.last_t, 1e-3) / self.params.average_s)
        cv2.accumulateWeighted(frame, self.average, alpha)
        self.last_t = t
        return moving


def baseline_alerts(pictures: Iterable[tuple[float, npt.NDArray[np.uint8]]], params: BaselineParams) -> list[Alert]:
    """Alerts over (media seconds, luma) pictures, analysing at most `analysis_fps` pictures a second."""
    detector = RunningAverage(params)
    alerts: list[Alert] = []
    onset: float | None = None
    last_seen: float | None = None
    raised: float | None = None
    last_analysed = -math.inf
    for t, luma in pictures:
        if t - last_analysed < 1.0 / params.analysis_fps - 1e-3:
            continue
        last_analysed = t
        if detector.moving(luma, t):
            if onset is None or (raised is None and last_seen is not None and t - last_seen > params.max_gap_s):
                onset = t
            last_seen = t
            if raised is None and t - onset >= params.min_duration_s - 1e-6:
                raised = t
            continue
        if last_seen is None:
            continue
        if raised is not None and t - last_seen >= params.quiet_s:
            alerts.append(Alert(raised, last_seen))
            onset = last_seen = raised = None
        elif raised is None and t - last_seen > params.max_gap_s:
            onset = last_seen = None
    if raised is not None and last_seen is not None:
        alerts.append(Alert(raised, last_seen))
    return alerts
