"""Punches as attendance sees them, and the plausibility of a device's clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class PunchSource(StrEnum):
    device = "device"  # a kiosk or terminal check-in
    makeup = "makeup"  # an approved make-up punch (补卡)


@dataclass(frozen=True, slots=True)
class Punch:
    at: datetime  # aware
    site_id: str | None  # None: a make-up punch without a place
    source: PunchSource = PunchSource.device


class ClockProblem(StrEnum):
    ahead = "clock_ahead"  # the device said the punch happened after we received it
    behind = "clock_behind"  # older than any offline queue can hold: the device clock was reset


def clock_problem(
    occurred_at: datetime, received_at: datetime, *, max_skew: timedelta, max_age: timedelta
) -> ClockProblem | None:
    """Why a device's time for a punch cannot be right, or None when it is plausible.

    A punch cannot have happened later than it reached us (beyond the allowed skew), and a kiosk
    or terminal does not hold punches longer than its offline queue allows. Such a punch is not
    counted on the day its time claims; it is listed for the office on the day it arrived.
    """
    if occurred_at - received_at > max_skew:
        return ClockProblem.ahead
    if received_at - occurred_at > max_age:
        return ClockProblem.behind
    return None
