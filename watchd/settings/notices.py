"""Notices for the administrator (upkeep, never incidents): the `[notices]` section."""

from __future__ import annotations

from datetime import time

from pydantic import Field, model_validator

from watchd.settings.base import ConfigModel
from watchd.settings.sites import Identifier


class NoticeSettings(ConfigModel):
    contacts: list[Identifier] = Field(
        default_factory=list, max_length=20, title="Administrator contacts",
        description="Person ids (with a mobile number) who receive each notice once, by the person channels of "
        "[alerts]. Empty: notices are only shown on /admin, /healthz and /metrics. Notices never go to the "
        "leader on duty and never escalate.",
    )
    send_from: time = Field(
        time(8, 30), title="Working hours from", description="Local time from which notices are sent."
    )
    send_until: time = Field(
        time(17, 30), title="Working hours until",
        description="Local time until which notices are sent; a notice raised outside working hours waits "
        "for the next working period.",
    )
    workdays_only: bool = Field(
        True, title="Workdays only",
        description="Send only on working days of the holiday calendar (weekends, holidays and 调休 as on /reports).",
    )
    check_every_minutes: int = Field(
        10, ge=1, le=1440, title="Check interval",
        description="How often disk space, the TLS certificate, unmapped terminal users and lost nodes are checked "
        "and waiting notices are sent.",
    )
    disk_free_min_percent: float = Field(
        10.0, ge=0, le=99, title="Disk space",
        description="A notice is raised when the data directory's disk has less than this share free (percent).",
    )
    certificate_warn_days: int = Field(
        30, ge=1, le=365, title="Certificate warning",
        description="A notice is raised this many days before [server] tls_cert expires.",
    )

    @model_validator(mode="after")
    def verify_hours(self) -> NoticeSettings:
        if self.send_until <= self.send_from:
            raise ValueError("send_until must be later than send_from")
        return self


def notice_reference_errors(notices: NoticeSettings, people: dict[str, str | None]) -> list[str]:
    """Each contact must be a known person with a mobile number."""
    errors: list[str] = []
    for i, person in enumerate(notices.contacts):
        if person not in people:
            errors.append(f"notices.contacts.{i}: unknown person {person!r}")
        elif not people[person]:
            errors.append(f"notices.contacts.{i}: person {person!r} has no phone number")
    return errors
