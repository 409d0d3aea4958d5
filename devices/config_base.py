"""Fields every device entry in the configuration file has."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DeviceConfigBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", title="Device id",
        description="Stable identifier of the device; appears on every record it produces.",
    )
    site: str = Field(title="Site", description="Id of the site the device is installed at.")
    name: str = Field("", max_length=100, title="Name", description="Human-readable label.")
    enabled: bool = Field(True, title="Enabled", description="Disabled devices are kept in config but not run.")
