"""Configuration of the fake face terminal: a scripted list of check-ins."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from devices.config_base import DeviceConfigBase


class FakeCheckInEntry(BaseModel):
    """One scripted check-in, as a vendor terminal would report it."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    subject_ref: str = Field(
        min_length=1, max_length=64, title="Subject", description="The terminal's own user id for the person."
    )
    at: AwareDatetime = Field(
        title="Time", description="When the check-in happened (ISO 8601 with an offset)."
    )
    method: Literal["face", "card", "fingerprint", "pin"] = Field(
        "face", title="Method", description="How the terminal identified the person."
    )


class FakeTerminalConfig(DeviceConfigBase):
    """A scripted stand-in for a vendor face terminal; used by tests and demos, never in the field."""

    kind: Literal["fake_terminal"] = Field(
        title="Kind", description="Fake face terminal (scripted check-ins)."
    )
    script: tuple[FakeCheckInEntry, ...] = Field(
        (),
        max_length=10_000,
        title="Script",
        description="Check-ins emitted in order after the terminal comes online.",
    )
    interval_s: float = Field(
        1.0,
        ge=0,
        le=3600,
        title="Interval",
        description="Seconds between two scripted check-ins (0: as fast as possible).",
    )
