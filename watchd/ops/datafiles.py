"""The one way pictures and clips under the data directory are measured and deleted (retention, erasure)."""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)


def delete_data_file(data_dir: Path, rel: str | None, purpose: str) -> int:
    """Delete `rel` (relative to the data directory); 1 if a file went, 0 if there was none.
    A path leading outside the data directory is never followed; a failure is logged, not raised."""
    if not rel:
        return 0
    path = (data_dir / rel).resolve()
    if not path.is_relative_to(data_dir.resolve()):
        log.warning("%s: %s is outside the data directory; not deleted", purpose, rel)
        return 0
    try:
        path.unlink()
    except FileNotFoundError:
        return 0
    except OSError as exc:
        log.warning("%s: %s not deleted: %s", purpose, rel, exc)
        return 0
    return 1


def file_size(path: Path | str | None) -> int:
    """Bytes of a file, 0 when there is none."""
    if path is None:
        return 0
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0
