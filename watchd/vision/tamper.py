"""Tamper checks over luma pictures: covered, turned away, out of focus (pure; media time passed in).

Each picture is reduced to a few numbers (`scene_stats`): contrast (standard deviation),
normalised sharpness (energy of the Laplacian relative to the contrast, so darkness alone does
not look like blur) and a small gradient map (the scene's structure, independent of brightness).
A reference is learnt from the first `learn_s` seconds and then follows the scene slowly (time
constant `reference_s`) while it looks healthy, so dusk, dawn and weather move it along.

- covered: the picture is flat: contrast under `flat_std` grey levels and under a quarter of
  the reference's, and its structure is gone (lens covered, sprayed, pointed at the sky or a
  wall up close; a scene that merely got darker keeps its structure);
- defocused: sharpness under `blur_ratio` of the reference while contrast is still there;
- moved: the structure no longer correlates with the reference (`moved_corr`).

A condition must hold for `hold_s` to be reported, and must be gone for `hold_s / 2` to clear,
so a person walking past the lens, a truck's headlights or an IR switch never report anything.
A "moved" camera that stays put on its new view for `rebaseline_s` takes that view as its new
reference (and the condition clears).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import cv2
import numpy as np
import numpy.typing as npt

Reason = Literal["covered", "defocused", "moved"]
# What a tamper reason means, as the incident summary and the duty screen say it.
TAMPER_TEXT = {"covered": "摄像机被遮挡", "defocused": "摄像机画面失焦", "moved": "摄像机被移动或转向"}
_MAP_WIDTH = 64


@dataclass(frozen=True, slots=True)
class SceneStats:
    mean: float
    std: float
    sharpness: float
    structure: npt.NDArray[np.float32] = field(repr=False)


def scene_stats(luma: npt.NDArray[np.uint8]) -> SceneStats:
    small = luma
    h, w = luma.shape
    if w > 320:
        small = np.asarray(cv2.resize(luma, (320, max(2, round(h * 320 / w))), interpolation=cv2.INTER_AREA), np.uint8)
    mean, std = cv2.meanStdDev(small)
    s = float(std[0][0])
    lap = cv2.Laplacian(small, cv2.CV_32F, ksize=3)
    sharp = float(np.mean(np.abs(lap))) / (s + 2.0)
    gx = cv2.Sobel(small, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(small, cv2.CV_32F, 0, 1, ksize=3)
    mag = cv2.magnitude(gx, gy)
    mh = max(2, round(small.shape[0] * _MAP_WIDTH / small.shape[1]))
    structure = np.asarray(cv2.resize(mag, (_MAP_WIDTH, mh), interpolation=cv2.INTER_AREA), dtype=np.float32)
    structure /= np.float32(float(np.mean(structure)) + 1e-3)
    return SceneStats(float(mean[0][0]), s, sharp, structure)


def correlation(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> float:
    if a.shape != b.shape:
        return 1.0
    av, bv = a - a.mean(), b - b.mean()
    denom = float(np.sqrt((av * av).sum() * (bv * bv).sum()))
    return float((av * bv).sum()) / denom if denom > 1e-6 else 0.0


@dataclass(frozen=True, slots=True)
class TamperParams:
    hold_s: float = 20.0
    learn_s: float = 8.0
    reference_s: float = 300.0
    flat_std: float = 10.0
    blur_ratio: float = 0.4
    moved_corr: float = 0.3
    rebaseline_s: float = 600.0


@dataclass(frozen=True, slots=True)
class TamperTransition:
    kind: Literal["start", "end"]
    t: float
    reason: Reason
    detail: str


class TamperCheck:
    def __init__(self, params: TamperParams) -> None:
        self.params = params
        self.reference: SceneStats | None = None
        self._learn_started: float | None = None
        self._last_t: float | None = None
        self._since: dict[Reason, float] = {}
        self._clear_since: float | None = None
        self.active: Reason | None = None
        self.last_values: dict[str, float] = {}

    def assess(self, stats: SceneStats) -> list[Reason]:
        ref = self.reference
        if ref is None:
            return []
        p = self.params
        corr = correlation(stats.structure, ref.structure)
        blur = stats.sharpness / (ref.sharpness + 1e-6)
        self.last_values = {"std": stats.std, "ref_std": ref.std, "sharpness_ratio": blur, "structure_corr": corr}
        reasons: list[Reason] = []
        if stats.std < p.flat_std and stats.std < ref.std * 0.25 and corr < 0.5:
            reasons.append("covered")
        elif blur < p.blur_ratio and stats.std >= ref.std * 0.3:
            reasons.append("defocused")
        elif corr < p.moved_corr:
            reasons.append("moved")
        return reasons

    def update(self, t: float, luma: npt.NDArray[np.uint8]) -> TamperTransition | None:
        stats = scene_stats(luma)
        dt = 0.0 if self._last_t is None else max(0.0, t - self._last_t)
        self._last_t = t
        if self.reference is None or (self._learn_started is not None and t - self._learn_started < self.params.learn_s):
            self._learn(stats, t, dt, fast=True)
            return None
        reasons = self.assess(stats)
        for reason in list(self._since):
            if reason not in reasons:
                del self._since[reason]
        for reason in reasons:
            self._since.setdefault(reason, t)
        if self.active is None:
            if not reasons:
                self._learn(stats, t, dt, fast=False)
            for reason in reasons:
                if t - self._since[reason] >= self.params.hold_s:
                    self.active = reason
                    self._clear_since = None
                    return TamperTransition("start", self._since[reason], reason, self._describe())
            return None
        if self.active == "moved" and reasons == ["moved"] and t - self._since["moved"] >= self.params.rebaseline_s:
            reason, self.active = self.active, None
            self.reference = stats
            self._since.clear()
            return TamperTransition("end", t, reason, "new view accepted as the reference")
        if self.active in reasons:
            self._clear_since = None
            return None
        if self._clear_since is None:
            self._clear_since = t
        if t - self._clear_since >= self.params.hold_s / 2:
            reason, self.active = self.active, None
            return TamperTransition("end", self._clear_since, reason, self._describe())
        return None

    def _learn(self, stats: SceneStats, t: float, dt: float, *, fast: bool) -> None:
        if self.reference is None:
            self.reference = stats
            self._learn_started = t
            return
        a = 0.3 if fast else 1.0 - math.exp(-dt / self.params.reference_s)
        ref = self.reference
        self.reference = SceneStats(
            ref.mean + a * (stats.mean - ref.mean),
            ref.std + a * (stats.std - ref.std),
            ref.sharpness + a * (stats.sharpness - ref.sharpness),
            ref.structure + np.float32(a) * (stats.structure - ref.structure),
        )

    def _describe(self) -> str:
        return ", ".join(f"{k}={v:.2f}" for k, v in self.last_values.items())
