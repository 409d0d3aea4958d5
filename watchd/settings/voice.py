"""Voice calls: `[alerts.voice]`, when an incident calls instead of (or after) texting, and the
per-number limits that keep watchd inside the vendors' caps."""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Literal

from pydantic import Field, field_validator

from watchd.domain.observations import Severity
from watchd.domain.voice import CallLimits, CallRule, Hours
from watchd.settings.base import ConfigModel

_HOURS = re.compile(r"^([01][0-9]|2[0-4]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])$")


def parse_hours(value: str) -> Hours:
    match = _HOURS.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a time range like 22:00-07:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if (h1 == 24 and m1) or (h2 == 24 and m2):
        raise ValueError(f"{value!r}: 24:00 is the latest time")
    start, end = time(h1 % 24, m1), time(h2 % 24, m2)
    return Hours(start, end)


class CallRuleConfig(ConfigModel):
    severity: Severity = Field(title="Severity", description="Incidents of this severity (normal or major).")
    hours: str = Field(
        "00:00-24:00",
        title="Hours",
        description="Township time when the rule applies, e.g. 22:00-07:00 (past midnight); 00:00-24:00: always.",
    )
    mode: Literal["instead", "with_text", "after_text"] = Field(
        "with_text",
        title="Mode",
        description="instead: call, no text (a person the limits keep from calling is texted); with_text: call "
        "and text at once; after_text: text first, call after after_minutes if nobody acknowledged.",
    )
    after_minutes: float = Field(
        3.0,
        ge=0,
        le=120,
        title="Call after",
        description="after_text: minutes the text has to be acknowledged.",
    )

    @field_validator("hours")
    @classmethod
    def valid_hours(cls, value: str) -> str:
        parse_hours(value)
        return value

    def rule(self) -> CallRule:
        return CallRule(
            severity=self.severity.value,
            hours=parse_hours(self.hours),
            mode=self.mode,
            after=timedelta(minutes=self.after_minutes),
        )


class CallWindow(ConfigModel):
    minutes: float = Field(
        gt=0, le=1440, title="Window", description="Length of the sliding window in minutes."
    )
    max: int = Field(ge=1, le=100, title="Most calls", description="Calls allowed to one number in it.")


class CallLimitsConfig(ConfigModel):
    windows: list[CallWindow] = Field(
        default_factory=lambda: [
            CallWindow(minutes=1, max=1),
            CallWindow(minutes=10, max=2),
            CallWindow(minutes=60, max=5),
            CallWindow(minutes=1440, max=5),
        ],
        min_length=1,
        max_length=10,
        title="Per-number windows",
        description="Calls to one number per sliding window. The default is the stricter of Aliyun (1 a minute, "
        "5 an hour, 20 a day) and Tencent (2 in 10 minutes, 5 a day for notifications); raise it only when the "
        "vendor raised your account's caps.",
    )
    night_hours: str = Field(
        "22:00-08:00", title="Night", description="Tencent's night window, township time."
    )
    night_max: int = Field(
        1,
        ge=1,
        le=50,
        title="Calls per night",
        description="Calls to one number per night (Tencent: 1 by default).",
    )

    @field_validator("night_hours")
    @classmethod
    def valid_hours(cls, value: str) -> str:
        parse_hours(value)
        return value

    def limits(self) -> CallLimits:
        return CallLimits(
            windows=[(timedelta(minutes=w.minutes), w.max) for w in self.windows],
            night=parse_hours(self.night_hours),
            night_max=self.night_max,
        )


class VoiceSettings(ConfigModel):
    rules: list[CallRuleConfig] = Field(
        default_factory=list,
        max_length=20,
        title="Call rules",
        description="When an escalation step calls; the first rule matching the incident's severity and the hour "
        "wins. Empty: never call.",
    )
    limits: CallLimitsConfig = Field(
        default_factory=CallLimitsConfig,
        title="Per-number limits",
        description="A call these would refuse is not placed: the next person in the chain is called instead.",
    )
