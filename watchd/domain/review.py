"""Video verification before escalation (视频复核). Pure: `now` and the duty room's staffing come in.

A camera event (motion, tamper, camera offline) becomes a review item on the duty screen:
unreviewed -> claimed (by one officer, until the claim expires) -> real / false alarm / handled.
Nothing clears by itself (GB 50394 5.2.3): only a person gives a verdict; an expired claim returns
the item to unreviewed.

The incident behind the item is *held* before its first message while the duty room can verify:
the room responsible for the site has an officer on duty and the desk watch sees someone at the
desk. "Real" ends the hold at once; nobody deciding within the wait ends it by itself; a major
incident, a skipped site, an empty desk or a room without an officer skips the hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum

from watchd.domain.observations import ObservationKind, Severity

REVIEW_KINDS = frozenset({ObservationKind.motion, ObservationKind.tamper, ObservationKind.camera_offline})


class ReviewStatus(StrEnum):
    unreviewed = "unreviewed"
    claimed = "claimed"
    real = "real"
    false_alarm = "false_alarm"
    handled = "handled"


VERDICTS = frozenset({ReviewStatus.real, ReviewStatus.false_alarm, ReviewStatus.handled})
STATUS_TEXT = {
    ReviewStatus.unreviewed: "待复核",
    ReviewStatus.claimed: "复核中",
    ReviewStatus.real: "属实",
    ReviewStatus.false_alarm: "误报",
    ReviewStatus.handled: "已处置",
}


class Hold(StrEnum):
    """An incident's verification hold (`incidents.review_hold`); NULL: none was tried."""

    held = "held"  # waiting for the duty room's verdict: no message yet
    real = "real"  # the officer said real: escalated at once
    timed_out = "timed_out"  # nobody decided in time: escalated by itself
    settled = "settled"  # false alarm or handled: resolved without a message
    major = "major"  # became major while held: escalated at once


class DeskPresence(StrEnum):
    present = "present"
    absent = "absent"
    unknown = "unknown"  # no desk camera, or it sends no pictures


@dataclass(frozen=True, slots=True)
class Staffing:
    """The duty room responsible for a site, as it is now."""

    room_id: str | None  # None: no duty room covers the site
    officers: tuple[str, ...] = ()  # officers on duty now (person ids)
    desk: DeskPresence = DeskPresence.unknown
    unwatched: bool = False  # the room has an open "duty room unwatched" incident


@dataclass(frozen=True, slots=True)
class Window:
    """A rule for some sites and hours: verify with this wait, or skip verification."""

    sites: frozenset[str]  # empty: every site
    start: time
    end: time  # end <= start: the window runs over midnight
    verify: bool
    wait: timedelta | None  # None: the policy's wait

    def covers(self, site_id: str, at: time) -> bool:
        if self.sites and site_id not in self.sites:
            return False
        if self.start == self.end:
            return True
        if self.start < self.end:
            return self.start <= at < self.end
        return at >= self.start or at < self.end


@dataclass(frozen=True, slots=True)
class ReviewPolicy:
    enabled: bool = True
    kinds: frozenset[str] = frozenset(k.value for k in REVIEW_KINDS)
    wait: timedelta = timedelta(minutes=3)
    claim: timedelta = timedelta(minutes=5)
    skip_sites: frozenset[str] = frozenset()
    major_skips: bool = True
    verify_when_unknown: bool = False  # the desk watch cannot tell (no camera, no pictures)
    windows: Sequence[Window] = ()


@dataclass(frozen=True, slots=True)
class HoldFor:
    wait: timedelta


@dataclass(frozen=True, slots=True)
class Skip:
    reason: str  # shown in the incident's history


def hold_decision(
    kind: str, site_id: str, severity: Severity, local: time, staffing: Staffing, policy: ReviewPolicy
) -> HoldFor | Skip:
    """Whether a new incident waits for the duty room's verdict before its first message, and how long."""
    if not policy.enabled or kind not in policy.kinds:
        return Skip("not verified")
    if site_id in policy.skip_sites:
        return Skip("site skips verification")
    if severity == Severity.major and policy.major_skips:
        return Skip("major")
    window = next((w for w in policy.windows if w.covers(site_id, local)), None)
    if window is not None and not window.verify:
        return Skip("hours without verification")
    if staffing.room_id is None:
        return Skip("no duty room covers the site")
    if not staffing.officers:
        return Skip("nobody on duty in the room")
    if staffing.unwatched or staffing.desk == DeskPresence.absent:
        return Skip("officer absent from the desk")
    if staffing.desk == DeskPresence.unknown and not policy.verify_when_unknown:
        return Skip("the desk watch cannot tell whether the officer is there")
    return HoldFor(window.wait if window is not None and window.wait is not None else policy.wait)


def current_status(status: ReviewStatus, claim_expires_at: datetime | None, now: datetime) -> ReviewStatus:
    """An expired claim is unreviewed again."""
    if status == ReviewStatus.claimed and (claim_expires_at is None or claim_expires_at <= now):
        return ReviewStatus.unreviewed
    return status


class Refusal(StrEnum):
    claimed_by_other = "review_claimed_by_other"
    decided = "review_decided"


def may_claim(status: ReviewStatus, claimed_by: str | None, actor: str) -> Refusal | None:
    """Claim (or renew one's own claim): `status` is the current one (after expiry)."""
    if status in VERDICTS:
        return Refusal.decided
    if status == ReviewStatus.claimed and claimed_by != actor:
        return Refusal.claimed_by_other
    return None


def may_decide(status: ReviewStatus, claimed_by: str | None, actor: str) -> Refusal | None:
    """A verdict on an unreviewed item claims it implicitly; someone else's live claim blocks it."""
    return may_claim(status, claimed_by, actor)


def top_zone(zone_counts: dict[str, int]) -> str | None:
    """The zone that caused most false alarms (ties: the first name in order), None without any."""
    if not zone_counts:
        return None
    return sorted(zone_counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
