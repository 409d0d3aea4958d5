"""Settings for punches from vendor terminals (ZKTeco, Hikvision): plausibility and mapping rules."""

from __future__ import annotations

from pydantic import Field

from watchd.settings.base import ConfigModel


class TerminalSettings(ConfigModel):
    match_person_id: bool = Field(
        True, title="Device user id = person id",
        description="A device user id equal to a watchd person id counts as that person when the mapping "
        "table has no row for it (terminals enrolled with the staff number). Explicit mappings always win.",
    )
    max_future_minutes: int = Field(
        10, ge=1, le=1440, title="Future tolerance",
        description="A punch time further ahead of watchd's clock than this is quarantined (device clock too fast).",
    )
    max_age_days: int = Field(
        62, ge=1, le=3650, title="Oldest punch counted",
        description="A punch older than this when it arrives is quarantined for review (clock reset, stale log), "
        "not counted.",
    )
    presence_check_s: int = Field(
        15, ge=1, le=3600, title="Presence check interval",
        description="How often push devices (ADMS) are checked for having gone silent.",
    )
