"""The yearly check: from December on, next year's holidays must be known (package or overrides)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date


def years_to_check(today: date) -> list[int]:
    """This year always; next year from the 1st of December."""
    return [today.year, today.year + 1] if today.month == 12 else [today.year]


def missing_years(today: date, package_covers: Callable[[int], bool], hand_kept: Collection[int]) -> list[int]:
    return [y for y in years_to_check(today) if not package_covers(y) and y not in hand_kept]
