"""Where the real data sets live (../shared/data, never copied into the repo), and a guard for tests.

Tests that need them call require_shared_data(...): on a bare machine the test skips with a
visible reason; with WATCHD_REQUIRE_INTEGRATION=1 (CI) it fails instead.
"""

from __future__ import annotations

from pathlib import Path

from tests.integration import need

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def require_shared_data(*parts: str) -> Path:
    """SHARED_DATA / parts, or skip (fail in CI) when that file or folder is missing."""
    path = SHARED_DATA.joinpath(*parts)
    need(path.exists(), f"shared data missing: {path}")
    return path
