"""Sites and people as the configuration file declares them."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from watchd.settings.base import ConfigModel

Identifier = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"),
    Field(description="Letters, digits, '_', '.', '-'; at most 64 characters."),
]
PHONE_RE = re.compile(r"^\+?[0-9]{5,20}$")


class SiteKind(StrEnum):
    village = "village"
    office = "office"
    duty_room = "duty_room"
    protected_site = "protected_site"


class PersonRole(StrEnum):
    cadre = "cadre"
    duty_officer = "duty_officer"
    leader = "leader"
    principal_leader = "principal_leader"


class SiteSettings(ConfigModel):
    id: Identifier = Field(title="Site id", description="Stable identifier used in the API and in reports.")
    name: str = Field(min_length=1, max_length=100, title="Name", description="Shown to users, e.g. 巴音嘎查.")
    kind: SiteKind = Field(title="Kind", description="village, office, duty_room or protected_site.")


class PersonSettings(ConfigModel):
    id: Identifier = Field(title="Person id", description="Stable identifier, e.g. the staff number.")
    name: str = Field(min_length=1, max_length=60, title="Name", description="Full name as shown at the kiosk.")
    phone: str | None = Field(
        None, pattern=PHONE_RE.pattern, title="Mobile phone", description="Digits, optional leading '+'."
    )
    role: PersonRole = Field(PersonRole.cadre, title="Role", description="cadre, duty_officer, leader or principal_leader.")
    organisation: str = Field("", max_length=100, title="Organisation", description="Unit the person belongs to.")
    villages: list[Identifier] = Field(
        default_factory=list, title="Assigned villages", description="Ids of village sites this person is assigned to."
    )
