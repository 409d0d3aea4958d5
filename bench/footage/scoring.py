"""Per-alert scoring, as a leader experiences it (docs/footage.md, "Scoring").

- An alert is an event start: the media time at which the detector raised it (not the motion
  onset it reports afterwards).
- An intrusion is caught when an alert is raised from `early_s` before its start (the labels'
  own granularity) to `catch_s` after it; each alert catches at most one intrusion, the earliest
  waiting one. An event that is already open does not catch a new intrusion.
- Every other alert raised in the scored window is a false alert, unless it was raised while an
  unscored object (one already there when the labels begin) was present. A false alert is
  "late" when something scored was present (too late to count, or a repeat), "empty" otherwise.
- False-alarm seconds: the summed length of the false alerts' events, from raising to the end
  (the last moving picture), clipped to the scored window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from footage.labels import ClipLabels, Interval

CATCH_S = 2.5
EARLY_S = 0.5


@dataclass(frozen=True, slots=True)
class Alert:
    raised_s: float
    end_s: float


@dataclass(slots=True)
class Score:
    intrusions: int = 0
    caught: int = 0
    missed: int = 0
    false_alerts: int = 0
    false_empty: int = 0  # raised while nothing scored was there
    false_late: int = 0  # raised while a scored object was there, but not within the catch window
    false_alarm_s: float = 0.0
    latencies_s: list[float] = field(default_factory=list)
    missed_at_s: list[float] = field(default_factory=list)
    false_at_s: list[float] = field(default_factory=list)

    def add(self, other: Score) -> None:
        self.intrusions += other.intrusions
        self.caught += other.caught
        self.missed += other.missed
        self.false_alerts += other.false_alerts
        self.false_empty += other.false_empty
        self.false_late += other.false_late
        self.false_alarm_s = round(self.false_alarm_s + other.false_alarm_s, 2)
        self.latencies_s.extend(other.latencies_s)


def score(
    alerts: Sequence[Alert], intrusions: Sequence[Interval], *, window: tuple[float, float],
    unscored: Sequence[Interval] = (), catch_s: float = CATCH_S, early_s: float = EARLY_S,
) -> Score:
    lo, hi = window
    pending = sorted((a for a in alerts if lo <= a.raised_s <= hi), key=lambda a: a.raised_s)
    used: set[int] = set()
    result = Score(intrusions=len(intrusions))
    for intrusion in sorted(intrusions, key=lambda i: i.start_s):
        match = next(
            (k for k, a in enumerate(pending)
             if k not in used and intrusion.start_s - early_s <= a.raised_s <= intrusion.start_s + catch_s),
            None,
        )
        if match is None:
            result.missed += 1
            result.missed_at_s.append(intrusion.start_s)
            continue
        used.add(match)
        result.caught += 1
        result.latencies_s.append(round(pending[match].raised_s - intrusion.start_s, 2))
    for k, alert in enumerate(pending):
        if k in used or _during(alert.raised_s, unscored):
            continue
        result.false_alerts += 1
        result.false_at_s.append(alert.raised_s)
        if _during(alert.raised_s, intrusions):
            result.false_late += 1
        else:
            result.false_empty += 1
        result.false_alarm_s = round(result.false_alarm_s + max(0.0, min(alert.end_s, hi) - alert.raised_s), 2)
    return result


def score_clip(alerts: Sequence[Alert], labels: ClipLabels) -> Score:
    return score(alerts, labels.intrusions, window=(labels.scored_from_s, labels.scored_to_s), unscored=labels.unscored)


def _during(t: float, intervals: Sequence[Interval]) -> bool:
    return any(i.start_s <= t <= i.end_s for i in intervals)
