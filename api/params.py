"""Path and query parameters shared by routes, bounded so that no value reaches the database unchecked.

Row ids are INTEGER columns: 32-bit in PostgreSQL (64-bit in SQLite), so a larger id in a URL is a
422 with the field named, not an overflow inside the driver. Offsets are 64-bit in both. (Both
found by schemathesis.)
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Final

from fastapi import Path, Query
from pydantic import BeforeValidator

MAX_ROW_ID: Final = 2**31 - 1
MAX_OFFSET: Final = 2**63 - 1

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="Row id (a positive 32-bit integer)")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip")]

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}.*")


def _iso_date_only(value: object) -> object:
    """Pydantic's lax `date` takes Unix timestamps (`?date=0.0` was 1970-01-01) and datetimes; a
    day in this API is written YYYY-MM-DD, nothing else."""
    if (isinstance(value, date) and not isinstance(value, datetime)) or (isinstance(value, str) and ISO_DATE.fullmatch(value)):
        return value
    raise ValueError("expected a date written YYYY-MM-DD (ISO 8601)")


#: Every date the API reads (query, path, body): an ISO 8601 calendar date, e.g. 2026-11-23.
IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]


def _iso_datetime_only(value: object) -> object:
    """As for dates: `?since=0` is not a moment in this API."""
    if isinstance(value, datetime) or (isinstance(value, str) and ISO_DATETIME.fullmatch(value)):
        return value
    raise ValueError("expected a date and time written YYYY-MM-DDTHH:MM[:SS][+08:00] (ISO 8601)")


#: A moment the API reads in a query: ISO 8601 (an offset may be required by the route).
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_datetime_only)]
