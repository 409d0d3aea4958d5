"""The 1135 appraisal's arithmetic: grades, group results with the minimum-ballot rule, the weighted
score, and the anomaly flags. Pure functions; no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

GROUPS = ("leadership", "cadres", "committee", "villagers")
GROUP_NAMES = {
    "leadership": "苏木领导",
    "cadres": "干部互评",
    "committee": "村两委及村民代表",
    "villagers": "村民",
}
CODE_GROUPS = ("committee", "villagers")  # vote with a code from an imported roll
LOGIN_GROUPS = ("leadership", "cadres")  # vote after logging in
#: The four grades of a 无记名 appraisal (横埠镇 practice) and their points.
GRADES = {
    "excellent": ("优秀", 100),
    "competent": ("称职", 80),
    "basic": ("基本称职", 60),
    "incompetent": ("不称职", 40),
}
POINTS = {key: points for key, (_, points) in GRADES.items()}


@dataclass(frozen=True, slots=True)
class GroupRule:
    weight: int  # percent
    min_ballots: int


@dataclass(frozen=True, slots=True)
class GroupResult:
    ballots: int  # ballots of the group that rated the cadre
    eligible: int  # raters of the group who could rate the cadre
    average: float | None  # None below the minimum: not shown, not weighted

    @property
    def turnout(self) -> float | None:
        return self.ballots / self.eligible if self.eligible else None


def group_result(ballots: int, total_points: int, eligible: int, rule: GroupRule) -> GroupResult:
    average = total_points / ballots if ballots >= rule.min_ballots and ballots > 0 else None
    return GroupResult(ballots=ballots, eligible=eligible, average=average)


def weighted_score(
    results: Mapping[str, GroupResult], rules: Mapping[str, GroupRule]
) -> tuple[float | None, list[str]]:
    """Σ weight × average over the groups with a result, the weights re-scaled to those groups; and the
    groups left out (below their minimum). None when no group has a result."""
    present = [g for g in GROUPS if g in results and results[g].average is not None and rules[g].weight > 0]
    missing = [g for g in GROUPS if g not in present and rules[g].weight > 0]
    weight = sum(rules[g].weight for g in present)
    if not weight:
        return None, missing
    return sum(rules[g].weight * (results[g].average or 0.0) for g in present) / weight, missing


def worst_burst(minutes: Sequence[tuple[datetime, int]], window: timedelta) -> tuple[int, datetime | None]:
    """The most ballots cast within any `window` (sliding over per-minute counts) and where it starts."""
    ordered = sorted(minutes)
    best, start_at, total, lo = 0, None, 0, 0
    for at, count in ordered:
        total += count
        while ordered[lo][0] <= at - window:
            total -= ordered[lo][1]
            lo += 1
        if total > best:
            best, start_at = total, ordered[lo][0]
    return best, start_at
