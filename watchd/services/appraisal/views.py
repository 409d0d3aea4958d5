"""What the appraisal service answers with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from watchd.domain.appraisal import GroupResult, GroupRule


@dataclass(frozen=True, slots=True)
class GroupRuleView:
    """A rater group's rule as the round shows it."""

    name: str  # in Chinese
    weight: int  # percent
    min_ballots: int


@dataclass(frozen=True, slots=True)
class RoundView:
    id: int
    name: str
    period_start: date
    period_end: date
    opens_at: datetime
    closes_at: datetime
    organisation: str
    status: str  # pending | open | closed
    groups: dict[str, GroupRuleView]  # group -> its name and rule
    cadres: int
    roll: dict[str, int]  # code group -> entries
    codes_issued: dict[str, int]
    ballots: dict[str, int]  # group -> ballots cast (stored and waiting in the pool)
    pooled: int
    flags: list[str]  # anomaly flags, in Chinese

    @property
    def rules(self) -> dict[str, GroupRule]:
        return {g: GroupRule(r.weight, r.min_ballots) for g, r in self.groups.items()}


@dataclass(frozen=True, slots=True)
class CadreOnSheet:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class BallotSheet:
    """What a rater sees: the round, their group, the cadres to rate and the grades."""

    round_id: int
    round_name: str
    group: str
    group_name: str
    village_name: str
    closes_at: datetime
    cadres: list[CadreOnSheet]
    grades: dict[str, str]  # grade -> its Chinese name, in the order shown


@dataclass(frozen=True, slots=True)
class Slip:
    entry_id: str
    name: str
    village_name: str
    code: str  # as printed, e.g. ABCDE-FGHJK; shown once, never stored
    url: str


@dataclass(frozen=True, slots=True)
class CadreResult:
    person_id: str
    name: str
    organisation: str
    villages: list[str]
    groups: dict[str, GroupResult]
    score: float | None
    missing: list[str]


@dataclass(slots=True)
class RoundResults:
    round: RoundView
    cadres: list[CadreResult] = field(default_factory=list)
