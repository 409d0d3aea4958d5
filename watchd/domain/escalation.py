"""Escalation policy: who is told at each step and when the next step is due. Pure.

Normal incident: leader on duty → wait N → principal leader → wait N → leader → … for K rounds.
Major incident (with `major_together`): leader and principal leader together at every step, every
N minutes, K times. The policy in force when an incident opens is frozen on it (`to_json`), so a
config change never alters an escalation already running.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from watchd.domain.observations import Severity


class Role(StrEnum):
    leader = "leader"  # 带班领导, the leader on duty
    principal = "principal"  # 主要领导, the principal leader


@dataclass(frozen=True, slots=True)
class EscalationPolicy:
    wait: timedelta
    rounds: int
    major_together: bool

    def to_json(self) -> dict[str, Any]:
        return {"wait_s": self.wait.total_seconds(), "rounds": self.rounds, "major_together": self.major_together}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> EscalationPolicy:
        return cls(
            wait=timedelta(seconds=float(raw["wait_s"])), rounds=int(raw["rounds"]),
            major_together=bool(raw["major_together"]),
        )


@dataclass(frozen=True, slots=True)
class StepPlan:
    targets: tuple[Role, ...]
    round: int  # 0 for the first round
    next_at: datetime  # when the following step is due (after the last one: when escalation is declared over)


def _together(policy: EscalationPolicy, severity: Severity) -> bool:
    return severity == Severity.major and policy.major_together


def total_steps(policy: EscalationPolicy, severity: Severity) -> int:
    return policy.rounds if _together(policy, severity) else 2 * policy.rounds


def plan_step(policy: EscalationPolicy, severity: Severity, step: int, now: datetime) -> StepPlan | None:
    """The step `step` (0-based) run at `now`; None when escalation is over."""
    total = total_steps(policy, severity)
    if step < 0 or step >= total:
        return None
    next_at = now + policy.wait
    if _together(policy, severity):
        return StepPlan(targets=(Role.leader, Role.principal), round=step, next_at=next_at)
    return StepPlan(targets=(Role.leader,) if step % 2 == 0 else (Role.principal,), round=step // 2, next_at=next_at)


def step_after_upgrade(policy: EscalationPolicy, step: int) -> int | None:
    """A normal incident became major while unacknowledged: the step (in major numbering) to run
    now, or None when the policy does not treat major incidents differently. Everyone is told again
    at once, because the situation changed; at least one step runs even if escalation had ended."""
    if not policy.major_together:
        return None
    return min(step // 2, policy.rounds - 1)
