"""Video verification before escalation: the `[alerts.review]` section (docs/review.md)."""

from __future__ import annotations

from datetime import time, timedelta

from pydantic import Field

from watchd.domain.observations import ObservationKind
from watchd.domain.review import REVIEW_KINDS, ReviewPolicy, Window
from watchd.settings.base import ConfigModel
from watchd.settings.sites import Identifier

HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


class ReviewWindow(ConfigModel):
    sites: list[Identifier] = Field(
        default_factory=list,
        max_length=500,
        title="Sites",
        description="Site ids this rule covers; empty: every site.",
    )
    start: str = Field("00:00", pattern=HHMM, title="From", description="Local time (HH:MM) the rule starts.")
    end: str = Field(
        "00:00",
        pattern=HHMM,
        title="Until",
        description="Local time (HH:MM) the rule ends; before `start`: over midnight; equal to `start`: all day.",
    )
    verify: bool = Field(
        True, title="Verify", description="false: events in these hours go straight to the leader on duty."
    )
    wait_minutes: float | None = Field(
        None,
        gt=0,
        le=60,
        title="Wait",
        description="Minutes the duty room has to decide in these hours; empty: `alerts.review.wait_minutes`.",
    )


class ReviewSettings(ConfigModel):
    enabled: bool = Field(
        True,
        title="Enabled",
        description="false: every event goes straight to the leader on duty (review items are still listed).",
    )
    kinds: list[ObservationKind] = Field(
        default_factory=lambda: sorted(REVIEW_KINDS),
        max_length=3,
        title="Kinds",
        description="Kinds held for the duty room's verdict: motion, tamper, camera_offline.",
    )
    wait_minutes: float = Field(
        3.0,
        gt=0,
        le=60,
        title="Wait for a verdict",
        description="Minutes an unreviewed event waits on the duty screen before it goes to the leader on duty "
        "by itself (未复核).",
    )
    claim_minutes: float = Field(
        5.0,
        gt=0,
        le=120,
        title="Claim lifetime",
        description="Minutes a claim lasts; then the item is unreviewed again. A live claim postpones the wait "
        "until it expires.",
    )
    skip_sites: list[Identifier] = Field(
        default_factory=list,
        max_length=500,
        title="Sites without verification",
        description="Sites whose events always go straight to the leader on duty.",
    )
    major_skips: bool = Field(
        True,
        title="Major skips verification",
        description="A major incident (site, zone or kind set to major) goes straight out.",
    )
    verify_when_unknown: bool = Field(
        False,
        title="Verify without a desk watch",
        description="true: hold events also when the desk watch cannot tell whether the officer is at the desk "
        "(no desk camera, or it sends no pictures). false: only a desk seen occupied holds them.",
    )
    windows: list[ReviewWindow] = Field(
        default_factory=list,
        max_length=100,
        title="Rules by site and hour",
        description="The first rule covering the site and local time decides: verify (with its own wait) or not.",
    )

    def policy(self) -> ReviewPolicy:
        return ReviewPolicy(
            enabled=self.enabled,
            kinds=frozenset(k.value for k in self.kinds),
            wait=timedelta(minutes=self.wait_minutes),
            claim=timedelta(minutes=self.claim_minutes),
            skip_sites=frozenset(self.skip_sites),
            major_skips=self.major_skips,
            verify_when_unknown=self.verify_when_unknown,
            windows=tuple(
                Window(
                    sites=frozenset(w.sites),
                    start=_hhmm(w.start),
                    end=_hhmm(w.end),
                    verify=w.verify,
                    wait=None if w.wait_minutes is None else timedelta(minutes=w.wait_minutes),
                )
                for w in self.windows
            ),
        )


def review_reference_errors(review: ReviewSettings, site_ids: set[str]) -> list[str]:
    errors = [
        f"alerts.review.skip_sites.{i}: unknown site {s!r}"
        for i, s in enumerate(review.skip_sites)
        if s not in site_ids
    ]
    for i, w in enumerate(review.windows):
        errors += [
            f"alerts.review.windows.{i}.sites.{j}: unknown site {s!r}"
            for j, s in enumerate(w.sites)
            if s not in site_ids
        ]
    errors += [
        f"alerts.review.kinds.{i}: {k.value!r} cannot be verified (motion, tamper, camera_offline)"
        for i, k in enumerate(review.kinds)
        if k not in REVIEW_KINDS
    ]
    return errors
