"""Detectors by name: the one door through which the camera watch gets a detector (like devices/registry.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from watchd.vision.detectors.base import Detector
from watchd.vision.detectors.hog import HogDetector
from watchd.vision.detectors.oidv4 import OidV4Detector

Factory = Callable[[float, Path | None], Detector]

DETECTORS: dict[str, Factory] = {
    "oidv4": lambda threshold, model_dir: OidV4Detector(threshold=threshold, model_dir=model_dir),
    "hog": lambda threshold, model_dir: HogDetector(threshold=threshold),
}


def register(name: str, factory: Factory) -> None:
    """Add a detector plugin (tests register scripted ones the same way)."""
    DETECTORS[name] = factory


def create_detector(name: str, *, threshold: float, model_dir: Path | None = None) -> Detector:
    """A detector by name; KeyError for an unknown name, DetectorError when it cannot run here."""
    return DETECTORS[name](threshold, model_dir)
