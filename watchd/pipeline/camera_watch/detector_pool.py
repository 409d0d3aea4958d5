"""The node's object detector, shared by every camera thread: one call at a time, a bounded wait.

A camera thread that cannot get the detector within the time budget, or whose call fails, gets no
answer and sends its event as today ("unknown"); the watch never waits on a slow or broken detector
for longer than the budget. What happened is counted and shown in the diagnostics (`view`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from watchd.settings.cameras import ClassifySettings
from watchd.vision.detectors.base import Detection, Detector, DetectorError, Picture
from watchd.vision.detectors.regions import Box, detect_regions
from watchd.vision.detectors.registry import create_detector

log = logging.getLogger(__name__)
Failure = Literal["unavailable", "busy", "failed"]
State = Literal["off", "ok", "unavailable", "failing", "behind"]
WARNINGS: dict[str, str] = {
    "unavailable": "目标识别不可用（{error}）：移动事件一律按“发现移动目标”上报，不区分人员、车辆、动物。",
    "failing": "目标识别出错（{error}）：移动事件按“发现移动目标”上报。",
    "behind": "目标识别来不及处理（超过 {budget} 毫秒）：部分移动事件按“发现移动目标”上报。",
}


@dataclass(frozen=True, slots=True)
class Outcome:
    detections: tuple[Detection, ...] | None  # None: no answer (see failure)
    failure: Failure | None = None


@dataclass(frozen=True, slots=True)
class DetectorView:
    detector: str | None  # None: classification off
    state: State
    warning: str | None  # Chinese, for the camera page
    calls: int
    failures: int
    busy: int
    ms_per_call: float | None  # CPU milliseconds per call, mean


class DetectorPool:
    def __init__(
        self,
        settings: ClassifySettings,
        *,
        factory: Callable[..., Detector] = create_detector,
        cpu: Callable[[], float] = time.thread_time,
    ) -> None:
        self.settings = settings
        self.budget_s = settings.budget_ms / 1000
        self._lock = threading.Lock()
        self._cpu = cpu
        self.detector: Detector | None = None
        self.error = ""
        self.calls = self.failures = self.busy = 0
        self._cpu_s = 0.0
        self._last: Literal["ok", "busy", "slow", "failed"] = "ok"
        if settings.detector == "none":
            return
        model_dir = Path(settings.model_dir) if settings.model_dir else None
        try:
            self.detector = factory(settings.detector, threshold=settings.threshold, model_dir=model_dir)
            log.info("object detector %s ready (threshold %.2f)", settings.detector, settings.threshold)
        except (DetectorError, OSError, ValueError) as exc:
            self.error = str(exc)
            log.warning(
                "object detector %s unavailable: %s; motion events stay unclassified", settings.detector, exc
            )

    @property
    def enabled(self) -> bool:
        return self.settings.detector != "none"

    def run(self, picture: Picture, boxes: Sequence[Box]) -> Outcome:
        """The detections in the windows of these moving regions, or why there are none."""
        if self.detector is None:
            return Outcome(None, "unavailable")
        if not self._lock.acquire(timeout=self.budget_s):
            self.busy += 1
            self._last = "busy"
            return Outcome(None, "busy")
        try:
            started, c0 = time.monotonic(), self._cpu()
            found = detect_regions(self.detector, picture, boxes)
        except Exception as exc:
            self.failures += 1
            if self._last != "failed":
                log.warning(
                    "object detector %s failed: %s; events go out unclassified", self.settings.detector, exc
                )
            self.error, self._last = str(exc)[:200], "failed"
            return Outcome(None, "failed")
        finally:
            self._lock.release()
        if self._last == "failed":
            log.info("object detector %s works again", self.settings.detector)
        self.calls += 1
        self._cpu_s += self._cpu() - c0
        self._last = "slow" if time.monotonic() - started > self.budget_s else "ok"
        return Outcome(tuple(found))

    def view(self) -> DetectorView:
        state: State
        if not self.enabled:
            state = "off"
        elif self.detector is None:
            state = "unavailable"
        else:
            state = {"ok": "ok", "failed": "failing", "busy": "behind", "slow": "behind"}[self._last]  # type: ignore[assignment]
        template = WARNINGS.get(state)
        warning = template.format(error=self.error, budget=self.settings.budget_ms) if template else None
        return DetectorView(
            None if not self.enabled else self.settings.detector,
            state,
            warning,
            self.calls,
            self.failures,
            self.busy,
            round(self._cpu_s / self.calls * 1000, 1) if self.calls else None,
        )
