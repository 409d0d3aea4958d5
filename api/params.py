"""Path and query parameters shared by routes, bounded so that no value reaches the database unchecked.

Row ids are INTEGER columns: 32-bit in PostgreSQL (64-bit in SQLite), so a larger id in a URL is a
422 with the field named, not an overflow inside the driver. Offsets are 64-bit in both. (Both
found by schemathesis.)
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import Path, Query

MAX_ROW_ID: Final = 2**31 - 1
MAX_OFFSET: Final = 2**63 - 1

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="Row id (a positive 32-bit integer)")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip")]
