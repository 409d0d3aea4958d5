"""Path and query parameters shared by routes, bounded so that no value reaches the database unchecked.

Row ids are 64-bit signed integers in SQLite and PostgreSQL: a larger number in a URL is a 422
with the field named, not an overflow inside the driver (found by schemathesis).
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import Path, Query

MAX_ROW_ID: Final = 2**63 - 1

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="Row id (a positive 64-bit integer)")]
Offset = Annotated[int, Query(ge=0, le=MAX_ROW_ID, description="Rows to skip")]
