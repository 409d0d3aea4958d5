"""Presence over time from per-picture cues, and the unwatched / wrong-person decisions. Pure: the
samples carry their time; nothing sleeps."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from watchd.domain.presence import (
    Change,
    DeskSample,
    DeskState,
    PresenceRules,
    PresenceTracker,
    Segment,
    Sighting,
    clip_timeline,
    longest,
    totals,
    unwatched_since,
    wrong_person,
)

T0 = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)
RULES = PresenceRules()
PRESENT, ABSENT, UNKNOWN = DeskState.present, DeskState.absent, DeskState.unknown


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def feed(tracker: PresenceTracker, start: float, end: float, *, step: float = 5, moving: bool = False,
         occupied: bool = False, face: bool = False) -> list[Change]:
    changes: list[Change] = []
    t = start
    while t < end:
        changes += tracker.observe(DeskSample(at(t), moving, occupied, face))
        t += step
    return changes


def states(changes: Iterable[Change]) -> list[tuple[DeskState, float]]:
    return [(c.state, (c.at - T0).total_seconds()) for c in changes]


def test_someone_sitting_down_is_present_from_when_they_sat_down() -> None:
    tracker = PresenceTracker(RULES)
    changes = feed(tracker, 0, 60)  # an empty, still desk
    changes += feed(tracker, 60, 120, moving=True, occupied=True)
    assert states(changes) == [(ABSENT, 0), (PRESENT, 60)]


def test_a_person_walking_past_the_desk_does_not_count_as_present() -> None:
    tracker = PresenceTracker(RULES)
    feed(tracker, 0, 60)
    changes = feed(tracker, 60, 70, moving=True)  # two pictures of movement, 5 s
    changes += feed(tracker, 70, 300)
    assert states(changes) == []
    assert tracker.view.state == ABSENT and tracker.view.since == T0


def test_a_still_seated_person_stays_present_for_the_still_limit_then_counts_as_gone() -> None:
    tracker = PresenceTracker(RULES)
    feed(tracker, 0, 30, moving=True, occupied=True)
    # Reading without moving: the seat still looks occupied, nothing moves.
    changes = feed(tracker, 30, 25 * 60, occupied=True)
    still = RULES.still.total_seconds()
    assert states(changes) == [(ABSENT, 25 + still)]  # the last supported picture before the limit ran out


def test_short_gaps_in_the_cues_do_not_end_presence_and_leaving_dates_from_the_last_cue() -> None:
    tracker = PresenceTracker(RULES)
    feed(tracker, 0, 60, moving=True)
    changes = feed(tracker, 60, 120)  # 60 s without cues: within `hold`
    changes += feed(tracker, 120, 180, face=True)
    assert states(changes) == []
    changes = feed(tracker, 180, 400)
    assert states(changes) == [(ABSENT, 175)]


def test_no_pictures_means_unknown_never_absent() -> None:
    tracker = PresenceTracker(RULES)
    feed(tracker, 0, 60)
    assert tracker.view.state == ABSENT
    assert tracker.expire(at(55 + 120)) is None  # the last picture was at 55 s
    gone = tracker.expire(at(55 + 121))
    assert gone is not None and (gone.state, gone.at) == (UNKNOWN, at(55))
    # Pictures again: absent is counted only from when they came back.
    changes = feed(tracker, 1000, 1100)
    assert states(changes) == [(ABSENT, 1000)]
    assert unwatched_since(tracker.view, timedelta(minutes=10), at(1100)) is None


def test_a_restarted_tracker_continues_a_stored_state() -> None:
    tracker = PresenceTracker(RULES, state=ABSENT, since=at(0), last_sample=at(300))
    assert feed(tracker, 305, 400) == []
    assert unwatched_since(tracker.view, timedelta(minutes=10), at(600)) == at(600)


def test_the_desk_is_unwatched_once_empty_for_longer_than_the_limit() -> None:
    tracker = PresenceTracker(RULES)
    feed(tracker, 0, 60, moving=True)
    feed(tracker, 60, 700)
    view = tracker.view
    assert view.state == ABSENT
    assert unwatched_since(view, timedelta(minutes=10), at(55 + 599)) is None
    assert unwatched_since(view, timedelta(minutes=10), at(55 + 600)) == at(655)


def sightings(*items: tuple[float, str | None]) -> list[Sighting]:
    return [Sighting(at(t), pid) for t, pid in items]


def test_wrong_person_needs_only_others_for_the_whole_stretch() -> None:
    stretch = timedelta(minutes=30)
    seen = sightings((60, "c002"), (600, None), (1200, "c002"), (1800, "c002"))
    assert wrong_person(seen, frozenset({"d001"}), at(0), at(1859), stretch, 3) is None
    found = wrong_person(seen, frozenset({"d001"}), at(0), at(1860), stretch, 3)
    assert found is not None and found.since == at(60) and found.seen == (("c002", 3), (None, 1))
    # Fewer sightings than needed: not enough to accuse anyone.
    assert wrong_person(seen, frozenset({"d001"}), at(0), at(1860), stretch, 5) is None


def test_one_sighting_of_the_rostered_officer_resets_the_stretch() -> None:
    stretch = timedelta(minutes=30)
    seen = sightings((60, "c002"), (900, "d001"), (1000, None), (1500, None), (2000, None))
    assert wrong_person(seen, frozenset({"d001"}), at(0), at(2500), stretch, 3) is None
    found = wrong_person(seen, frozenset({"d001"}), at(0), at(2800), stretch, 3)
    assert found is not None and found.since == at(1000)


def test_nobody_is_wrong_without_a_roster_or_while_the_desk_is_empty() -> None:
    seen = sightings((0, "c002"), (600, "c002"), (1200, "c002"), (1900, "c002"))
    assert wrong_person(seen, frozenset(), at(0), at(2000), timedelta(minutes=30), 3) is None
    assert wrong_person(seen, frozenset({"d001"}), None, at(2000), timedelta(minutes=30), 3) is None
    # Sightings from before this stay at the desk do not count.
    assert wrong_person(seen, frozenset({"d001"}), at(700), at(2000), timedelta(minutes=30), 1) is None


def test_the_log_timeline_is_clipped_to_the_shift_with_gaps_as_unknown() -> None:
    segments = [Segment(PRESENT, at(-600), at(600)), Segment(ABSENT, at(600), at(1200)),
                Segment(PRESENT, at(1500), at(3000))]
    timeline = clip_timeline(segments, at(0), at(3600))
    assert [(s.state, (s.start - T0).total_seconds(), (s.end - T0).total_seconds()) for s in timeline] == [
        (PRESENT, 0, 600), (ABSENT, 600, 1200), (UNKNOWN, 1200, 1500), (PRESENT, 1500, 3000), (UNKNOWN, 3000, 3600),
    ]
    sums = totals(timeline)
    assert sums[PRESENT] == timedelta(minutes=35) and sums[ABSENT] == timedelta(minutes=10)
    worst = longest(timeline, ABSENT)
    assert worst is not None and worst.duration == timedelta(minutes=10)
