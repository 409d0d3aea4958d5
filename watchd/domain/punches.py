"""Pure rules for terminal punches: plausibility of device times, check-in keys, presence.

Terminal clocks drift and reset after power cuts (ZKTeco falls back to 2000-01-01, some Hikvision
firmware reports 1970). A punch whose time cannot be right is quarantined for review, never
counted, and never guessed at. `now` is always passed in.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Quarantine(StrEnum):
    bad_time = "bad_time"  # the device reported a day that does not exist
    clock_reset = "clock_reset"  # year before CLOCK_RESET_YEAR: the clock fell back after a power cut
    future = "future"  # ahead of our clock by more than the tolerance
    too_old = "too_old"  # older than the oldest punch counted


# Terminals fall back to 1970 or 2000 when their clock battery dies; nothing before this year is real.
CLOCK_RESET_YEAR = 2010


class PunchState(StrEnum):
    pending = "pending"  # mapped to a person; the check-in is being written
    counted = "counted"  # a check-in exists (this punch's own, or the one it repeats)
    unmapped = "unmapped"  # the device user is not mapped to anybody (kept and listed)
    ignored = "ignored"  # the device user is mapped to "ignore" (a test or installer account)
    quarantined = "quarantined"  # the device time is implausible; kept for review, not counted


@dataclass(frozen=True, slots=True)
class PunchRules:
    max_future: timedelta
    max_age: timedelta


def judge_time(occurred_at: datetime | None, *, now: datetime, rules: PunchRules) -> Quarantine | None:
    """Why a punch time cannot be right, or None when it is plausible. `None` time: not a real date."""
    if occurred_at is None:
        return Quarantine.bad_time
    if occurred_at.year < CLOCK_RESET_YEAR:
        return Quarantine.clock_reset
    if occurred_at - now > rules.max_future:
        return Quarantine.future
    if now - occurred_at > rules.max_age:
        return Quarantine.too_old
    return None


def natural_key(serial: str, device_user: str, device_time: str) -> str:
    return f"{serial}\x1f{device_user}\x1f{device_time}"


def checkin_key(serial: str, device_user: str, device_time: str) -> str:
    """The check-in idempotency key of a punch: derived from its natural key, so a replay changes nothing."""
    digest = hashlib.sha256(natural_key(serial, device_user, device_time).encode()).hexdigest()
    return f"punch:{digest[:40]}"


def is_online(last_contact: datetime | None, *, now: datetime, timeout: timedelta) -> bool:
    """A push device is online while it has called within `timeout`."""
    return last_contact is not None and now - last_contact <= timeout


@dataclass(frozen=True, slots=True)
class Mapping:
    """Where a device user's punches go: a person, or nowhere (ignored)."""

    person_id: str | None


def resolve_person(
    device_user: str,
    *,
    device_map: Mapping | None,
    shared_map: Mapping | None,
    person_exists: bool,
    match_person_id: bool,
) -> tuple[PunchState, str | None]:
    """The state a punch starts in and its person: the device's own row, then the all-terminal row,
    then (when allowed) a person whose id is the device user id."""
    chosen = device_map or shared_map
    if chosen is not None:
        if chosen.person_id is None:
            return PunchState.ignored, None
        return PunchState.pending, chosen.person_id
    if match_person_id and person_exists:
        return PunchState.pending, device_user
    return PunchState.unmapped, None
