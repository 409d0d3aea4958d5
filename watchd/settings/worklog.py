"""The daily work log and the weekly plan: the `[worklog]` section."""

from __future__ import annotations

from datetime import time

from pydantic import Field

from watchd.settings.base import ConfigModel
from watchd.settings.sites import PersonRole


class WorklogSettings(ConfigModel):
    remind_at: time = Field(
        time(17, 30),
        title="Reminder time",
        description="Local time on each working day after which whoever has not written today's work log gets one "
        "text message (through the person channels of [alerts]).",
    )
    reminders: bool = Field(True, title="Reminders", description="Send the daily reminder at all.")
    lock_days: int = Field(
        7,
        ge=0,
        le=62,
        title="Lock after days",
        description="An entry for a day can be written or edited until this many days after it (0: only on the "
        "day itself); then it is locked. Every edit keeps the replaced version in the entry's history.",
    )
    roles: list[PersonRole] = Field(
        default_factory=lambda: [PersonRole.cadre, PersonRole.leader, PersonRole.principal_leader],
        title="Who writes",
        max_length=4,
        description="The person roles that owe a daily entry (and are counted in the completion figures).",
    )
