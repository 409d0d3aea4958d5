"""What one desk camera's pictures say, per picture: movement at the seat, a seat that looks
occupied, faces in the seat. Generated pictures (tests/watchd/duty/scene.py): a desk, a chair,
monitors, sensor noise, and a person who sits down with their back half turned to the camera."""

from __future__ import annotations

import itertools

from tests.watchd.duty.scene import SEAT, Person, frame
from watchd.vision.presence import DeskAnalyzer, DeskCues, DeskParams, shrink_gray

PERSON = Person()


def run(analyzer: DeskAnalyzer, people: list[Person | None], *, start: int = 0, light: float = 1.0) -> list[DeskCues]:
    return [
        analyzer.analyze(shrink_gray(frame(start + i, p, light=light), 320), float(start + i))
        for i, p in enumerate(people)
    ]


def test_an_empty_desk_shows_nothing_and_becomes_the_empty_seat_reference() -> None:
    analyzer = DeskAnalyzer(SEAT)
    cues = run(analyzer, [None] * 90)
    assert not any(c.moving or c.face or c.occupied for c in cues)
    assert cues[30].changed is None  # no reference yet: the seat has not been quiet long enough
    assert cues[-1].changed is not None and cues[-1].changed < 0.02


def test_a_person_with_their_back_to_the_camera_changes_the_seat_and_moves_now_and_then() -> None:
    analyzer = DeskAnalyzer(SEAT)
    run(analyzer, [None] * 70)
    cues = run(analyzer, [PERSON] * 120, start=70)
    assert all(c.occupied for c in cues)
    assert min(c.changed or 0 for c in cues) > 0.25
    moving = [c.t for c in cues if c.moving]
    assert len(moving) > 40  # breathing, typing: movement in most pictures
    gaps = [b - a for a, b in itertools.pairwise(moving)]
    assert max(gaps) < 30  # never still for long
    assert not any(c.face for c in cues)  # no face was given: this person is not facing the camera
    # They leave: one picture of movement, then an empty seat again.
    after = run(analyzer, [None] * 30, start=190)
    assert after[0].moving and not any(c.moving for c in after[2:])
    assert not any(c.occupied for c in after)


def test_dimmer_light_is_neither_movement_nor_an_occupied_seat() -> None:
    """The overall brightness is compensated against the rest of the picture."""
    analyzer = DeskAnalyzer(SEAT)
    run(analyzer, [None] * 70)
    cues = run(analyzer, [None] * 20, start=70, light=0.7)  # the lights go half down at once
    assert not any(c.moving or c.occupied for c in cues)


def test_the_administrator_can_say_the_seat_is_empty_and_a_long_unchanging_object_is_relearnt() -> None:
    analyzer = DeskAnalyzer(SEAT, DeskParams(relearn_s=200))
    run(analyzer, [PERSON] * 5)  # started with someone there: no reference yet
    analyzer.mark_empty()
    cues = run(analyzer, [None] * 3, start=5)
    assert cues[1].changed is not None and not cues[1].occupied
    # A coat over the chair (a person shape that never moves): occupied, until relearnt.
    still = Person(shirt=(40, 40, 40))
    picture = shrink_gray(frame(100, still), 320)
    coat = [analyzer.analyze(picture, 100.0 + i) for i in range(210)]
    assert coat[5].occupied and not coat[5].moving
    assert not coat[-1].occupied
    assert analyzer.reference_image() is not None


def test_a_face_counts_only_when_it_is_at_the_seat() -> None:
    analyzer = DeskAnalyzer(SEAT)
    gray = shrink_gray(frame(0, None), 320)
    assert analyzer.analyze(gray, 0.0, [(0.45, 0.25, 0.1, 0.12)]).face
    assert not analyzer.analyze(gray, 1.0, [(0.05, 0.1, 0.1, 0.12)]).face  # someone at the door
