"""The 1135 appraisal of village-stationed cadres (`[appraisal]`) and the rectification ledger
(`[rectification]`)."""

from __future__ import annotations

from pydantic import Field, model_validator

from watchd.settings.base import ConfigModel


class RaterGroupSettings(ConfigModel):
    weight: int = Field(ge=0, le=100, title="Weight", description="Share of the weighted score, in percent.")
    min_ballots: int = Field(
        5,
        ge=1,
        le=1000,
        title="Minimum ballots",
        description="A cadre's average in this group is shown (and weighted) only when at least this many "
        "ballots of the group rated the cadre, so that no single answer can be read off.",
    )


def _group(weight: int) -> RaterGroupSettings:
    return RaterGroupSettings(weight=weight)


class AppraisalSettings(ConfigModel):
    leadership: RaterGroupSettings = Field(
        default_factory=lambda: _group(10),
        title="Township leadership",
        description="Leaders (login role leader) rate every cadre of the round; by login.",
    )
    cadres: RaterGroupSettings = Field(
        default_factory=lambda: _group(10),
        title="Fellow cadres",
        description="Cadres of the round rate the others; by login.",
    )
    committee: RaterGroupSettings = Field(
        default_factory=lambda: _group(30),
        title="Village committee and villager representatives",
        description="Members on the roll the township imports rate the cadres of their village; one code each.",
    )
    villagers: RaterGroupSettings = Field(
        default_factory=lambda: _group(50),
        title="Villagers",
        description="Households on the imported roll rate the cadres of their village; one code per household.",
    )
    mix_batch: int = Field(
        10,
        ge=2,
        le=1000,
        title="Ballot mixing batch",
        description="Ballots wait in a pool and are stored in shuffled batches of at least this many (and all "
        "at the round's close), so the order and the transaction of storage say nothing about who voted when.",
    )
    burst_window_minutes: int = Field(
        10,
        ge=1,
        le=1440,
        title="Burst window",
        description="Minutes over which a burst of ballots is counted.",
    )
    burst_ballots: int = Field(
        60,
        ge=2,
        le=100_000,
        title="Burst threshold",
        description="More ballots than this within the burst window raise the anomaly flag (a flag, not a block).",
    )
    device_codes: int = Field(
        5,
        ge=1,
        le=10_000,
        title="Codes per device",
        description="More codes than this used from one device (address and browser, hashed per round) raise "
        "the anomaly flag; a village office helping elderly voters may legitimately do so.",
    )

    @model_validator(mode="after")
    def verify_weights(self) -> AppraisalSettings:
        total = sum(g.weight for g in self.groups().values())
        if total != 100:
            raise ValueError(f"the four groups' weights add up to {total}, not 100")
        return self

    def groups(self) -> dict[str, RaterGroupSettings]:
        return {
            "leadership": self.leadership,
            "cadres": self.cadres,
            "committee": self.committee,
            "villagers": self.villagers,
        }


class RectificationSettings(ConfigModel):
    remind_days_before: int = Field(
        3,
        ge=0,
        le=60,
        title="Reminder before the deadline",
        description="Days before an open item's deadline when its owner is texted a reminder (0: on the day only).",
    )
