"""The detector interface: a BGR picture in, boxes with a class and a score out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

ObjectClass = Literal["person", "vehicle", "animal", "unknown"]
# What the texts say was seen (incidents, the duty screen, events).
CLASS_TEXT: dict[str, str] = {"person": "发现人员", "vehicle": "发现车辆", "animal": "发现动物", "unknown": "发现移动目标"}
OBJECT_CLASSES: tuple[ObjectClass, ...] = ("person", "vehicle", "animal", "unknown")
Picture = npt.NDArray[np.uint8]  # H x W x 3, BGR


class DetectorError(Exception):
    """The detector cannot run (model missing or corrupt, runtime not installed, inference failed)."""


@dataclass(frozen=True, slots=True)
class Detection:
    """One object: its class, score (0..1) and box (x, y, w, h) in fractions of the picture given."""

    cls: ObjectClass
    score: float
    box: tuple[float, float, float, float]
    label: str = ""  # the model's own label (Person, Car, Dog, ...)


class Detector(Protocol):
    """A plugin: `detect` is called from one thread at a time (the classifier holds a lock)."""

    name: str
    classes: tuple[ObjectClass, ...]  # what it can tell apart (HOG: person only)

    def detect(self, picture: Picture) -> list[Detection]: ...
