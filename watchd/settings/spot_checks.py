"""Spot checks (查岗): the `[duty.spot_checks]` section.

Each shift gets its own random times (drawn with the operating system's secure random source when the
shift is first seen, and stored): some show a check with a countdown on the duty-room screen, some
text the officer on duty a code to reply with.
"""

from __future__ import annotations

import re
from datetime import time

from pydantic import Field, field_validator, model_validator

from watchd.settings.base import ConfigModel
from watchd.settings.sites import Identifier

_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")


def _clock_time(value: object) -> object:
    if isinstance(value, str):
        match = _HHMM.match(value.strip())
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            raise ValueError(f"{value!r} is not a time of day like 08:30")
        return time(int(match.group(1)), int(match.group(2)))
    return value


class TimeRange(ConfigModel):
    """From `start` to `end`, local time; an end before the start runs past midnight (22:00-06:00)."""

    start: time = Field(title="From", description="Local time of day the range starts (HH:MM).")
    end: time = Field(
        title="Until", description="Local time of day the range ends (HH:MM); before start: next day."
    )

    _parse = field_validator("start", "end", mode="before")(classmethod(lambda cls, v: _clock_time(v)))

    @model_validator(mode="after")
    def not_empty(self) -> TimeRange:
        if self.start == self.end:
            raise ValueError("start and end are the same time: the range would be empty")
        return self


class SpotCheckSettings(ConfigModel):
    enabled: bool = Field(
        False,
        title="Spot checks on",
        description="true: draw random spot checks for every duty room's shifts. The leader on duty can start "
        "one from the phone page either way.",
    )
    screen_per_shift: int = Field(
        3,
        ge=0,
        le=50,
        title="Screen checks per shift",
        description="How many checks each shift shows on the duty-room screen (/dashboard) at random times.",
    )
    sms_per_shift: int = Field(
        1,
        ge=0,
        le=20,
        title="Text checks per shift",
        description="How many checks each shift sends to the officer on duty's phone as a text with a code to "
        "reply with.",
    )
    answer_minutes: float = Field(
        5.0,
        ge=0.5,
        le=60,
        title="Countdown on screen",
        description="Minutes the officer has to answer a check on the screen before it counts as missed.",
    )
    sms_answer_minutes: float = Field(
        10.0,
        ge=2,
        le=120,
        title="Time to reply to a text",
        description="Minutes the officer has to reply to a text check before it counts as missed.",
    )
    window: TimeRange | None = Field(
        None,
        title="Window",
        description='Local times within the shift when checks may come, e.g. { start = "09:00", end = "08:00" }. '
        "Empty: the whole shift except its first and last `answer` minutes.",
    )
    quiet_hours: list[TimeRange] = Field(
        default_factory=list,
        max_length=10,
        title="Quiet hours",
        description='Local time ranges with no drawn checks, e.g. [{ start = "02:00", end = "05:00" }].',
    )
    min_gap_minutes: float = Field(
        45.0,
        ge=0,
        le=720,
        title="Minimum gap",
        description="Two drawn checks of a shift are at least this far apart. When the window is too short for "
        "every check with this gap, fewer are drawn (and a warning logged).",
    )
    major_after_misses: int = Field(
        3,
        ge=1,
        le=50,
        title="Misses for a major incident",
        description="The miss that makes this many in one shift raises a major incident (both leaders at once).",
    )
    screen_logins: list[str] = Field(
        default_factory=list,
        max_length=20,
        title="Duty-room screen logins",
        description="Usernames of the duty-room screens' logins (role duty_officer). Empty: any duty_officer "
        "login may answer a screen check.",
    )
    rooms: list[Identifier] = Field(
        default_factory=list,
        max_length=50,
        title="Rooms",
        description="Duty rooms that get drawn checks. Empty: every room under [[duty.rooms]].",
    )
