"""Skips for tests that need a service, a system package or ../shared/data.

On a bare machine they skip with a visible reason, so `make test` passes anywhere. CI sets
WATCHD_REQUIRE_INTEGRATION=1, and then every such skip is a failure (see conftest.py).
"""

from __future__ import annotations

import importlib
import os
import socket
from types import ModuleType

import pytest

PREFIX = "integration: "


def required() -> bool:
    return os.environ.get("WATCHD_REQUIRE_INTEGRATION") == "1"


def need(ok: bool, reason: str) -> None:
    """Skip (or, in CI, fail) the current test unless `ok`."""
    if ok:
        return
    if required():
        pytest.fail(f"{PREFIX}{reason} (WATCHD_REQUIRE_INTEGRATION=1)")
    pytest.skip(f"{PREFIX}{reason}")


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def need_module(module: str, package: str) -> ModuleType:
    """Import `module` (from the pip package `package`, a dev dependency), or skip (CI: fail)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        need(False, f"the pip package {package} is not installed (pip install -e '.[dev]')")
        raise  # need() does not return when the package is missing
