"""Scripted object detectors (tests only): real plugins in watchd's detector registry, clearly named.

`fake-<class>` sees one object of that class filling every window it is shown; `fake-broken`
raises on every call, like a model whose runtime fails; `fake-missing` cannot be created;
`fake-stuck` sees a person but each call waits until `STUCK.set()` (another camera's call that hangs).
"""

from __future__ import annotations

import threading
from pathlib import Path

from watchd.vision.detectors.base import Detection, DetectorError, ObjectClass, Picture
from watchd.vision.detectors.registry import register

STUCK = threading.Event()


class FakeDetector:
    def __init__(
        self, cls: ObjectClass | None, *, score: float = 0.8, gate: threading.Event | None = None
    ) -> None:
        self.gate = gate
        self.name = f"fake-{cls or 'broken'}"
        self.classes: tuple[ObjectClass, ...] = (cls,) if cls else ()
        self.cls = cls
        self.score = score
        self.calls = 0

    def detect(self, picture: Picture) -> list[Detection]:
        self.calls += 1
        if self.gate is not None:
            self.gate.wait(30)
        if self.cls is None:
            raise RuntimeError("scripted failure: tensor allocation failed")
        return [Detection(self.cls, self.score, (0.0, 0.0, 1.0, 1.0), f"fake {self.cls}")]


def _missing(threshold: float, model_dir: Path | None) -> FakeDetector:
    raise DetectorError("model fake.tflite is not installed")


def register_fakes() -> None:
    for cls in ("person", "vehicle", "animal"):
        register(f"fake-{cls}", lambda threshold, model_dir, c=cls: FakeDetector(c))  # type: ignore[misc]
    register("fake-broken", lambda threshold, model_dir: FakeDetector(None))
    register("fake-missing", _missing)
    register("fake-stuck", lambda threshold, model_dir: FakeDetector("person", gate=STUCK))
