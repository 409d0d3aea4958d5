"""The one time-zone converter for what leaves the API.

Services hand out their views (dataclasses or pydantic models) with times in UTC; the routes answer
with those views, every time shown in the township's zone. `shown` walks a view (and the lists,
tuples and dicts in it) and returns the same shape with each aware datetime in `zone`.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel

T = TypeVar("T")


def shown(value: T, zone: ZoneInfo) -> T:
    """`value` with every aware datetime in it converted to `zone`; everything else as it was."""
    return _shown(value, zone)  # type: ignore[no-any-return]


def _shown(value: Any, zone: ZoneInfo) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(zone) if value.tzinfo is not None else value
    if isinstance(value, list):
        return [_shown(v, zone) for v in value]
    if isinstance(value, tuple):
        return tuple(_shown(v, zone) for v in value)
    if isinstance(value, dict):
        return {k: _shown(v, zone) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _shown(getattr(value, f.name), zone) for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changes)
    if isinstance(value, BaseModel):
        return value.model_copy(update={k: _shown(getattr(value, k), zone) for k in type(value).model_fields})
    return value
