"""Who is on a 24-hour duty shift on a given day: the seam to the duty roster.

The roster (duty shifts and approved swaps) is another part of watchd; attendance and leave only
ask this protocol. `on_duty(person, day)` is True when the person holds the duty shift that starts
on `day` after swaps are applied (a swap that hands the shift to someone else makes it False).
"""

from __future__ import annotations

from datetime import date
from typing import Protocol


class DutyCalendar(Protocol):
    def on_duty(self, person_id: str, day: date) -> bool: ...


class NoDutyCalendar:
    """The default until a roster is plugged in: nobody is ever on duty."""

    def on_duty(self, person_id: str, day: date) -> bool:
        return False
