"""The motion events' object rules: what travels raises, what changes in place does not, a new object in a new
place while an event is open raises its own start. Pictures are drawn (a bright square moving on a flat grey
scene) and go through the real detector, so what is tested is what a camera would report."""

from __future__ import annotations

import numpy as np

from watchd.vision.motion.detector import MotionDetector, MotionParams
from watchd.vision.motion.events import MotionEvents, MotionTransition

H, W = 90, 160
FPS = 5.0


def scene(t: float, objects: list[tuple[float, float, float]]) -> np.ndarray:
    """A textured grey scene with bright 12x12 squares at (x, y) fractions from time t0 on."""
    rng = np.random.default_rng(int(t * 1000))
    y = np.full((H, W), 90, dtype=np.float32) + rng.normal(0, 1.5, (H, W))
    for t0, x, yy in objects:
        if t >= t0:
            px, py = int(x * W), int(yy * H)
            y[py : py + 12, px : px + 12] = 200
    return np.clip(y, 0, 255).astype(np.uint8)


def run(paths: list[tuple[float, object]], seconds: float) -> list[tuple[float, MotionTransition]]:
    """paths: (appears at, function t -> (x, y)); returns (raised at, transition) for every transition."""
    detector = MotionDetector((H, W), [], [], MotionParams())
    events = MotionEvents(min_duration_s=1.0, quiet_s=5.0)
    out = []
    for i in range(int(seconds * FPS)):
        t = i / FPS
        objects = [(t0, *f(t)) for t0, f in paths if t >= t0]  # type: ignore[operator]
        m = detector.measure(scene(t, objects), t)
        detector.learn(m)
        tr = events.update(m)
        if tr is not None:
            out.append((t, tr))
    return out


def walker(x0: float, y0: float, vx: float, t0: float):  # type: ignore[no-untyped-def]
    return lambda t: (min(0.9, max(0.0, x0 + vx * (t - t0))), y0)


def test_an_object_crossing_the_picture_raises_one_event() -> None:
    got = run([(2.0, walker(0.05, 0.4, 0.12, 2.0))], 9)
    starts = [tr for _, tr in got if tr.kind == "start"]
    assert len(starts) == 1 and not starts[0].new_object
    assert 2.0 <= starts[0].t <= 2.4


def test_a_second_object_entering_elsewhere_while_the_event_is_open_raises_its_own_start() -> None:
    got = run([(2.0, walker(0.05, 0.15, 0.1, 2.0)), (5.0, walker(0.9, 0.7, -0.1, 5.0))], 10)
    starts = [(at, tr) for at, tr in got if tr.kind == "start"]
    assert len(starts) == 2
    at, second = starts[1]
    assert second.new_object and 5.0 <= second.t <= 5.4 and at <= 5.0 + 2.5
    assert (
        second.closes is not None and second.closes.kind == "end"
    )  # the first event ends where the second begins
    assert second.box is not None and second.box[1] > 0.5  # outlined where the new one is


def test_an_object_appearing_right_next_to_a_followed_one_is_not_a_new_alert() -> None:
    # Someone getting out of a car: born touching the object already reported.
    got = run(
        [(2.0, walker(0.05, 0.4, 0.1, 2.0)), (5.0, lambda t: (0.05 + 0.1 * 3.0 + 0.1 * (t - 5.0), 0.5))], 10
    )
    assert [tr.new_object for _, tr in got if tr.kind == "start"] == [False]


def test_something_changing_in_place_raises_nothing() -> None:
    # A flickering screen: a square that blinks on and off at the same place, never going anywhere.
    blink = (0.0, lambda t: (0.45, 0.4) if int(t * 4) % 2 else (2.0, 2.0))
    assert [tr for _, tr in run([blink], 10) if tr.kind == "start"] == []


def sized_run(paths: list[tuple[float, int, object]], seconds: float) -> list[tuple[float, MotionTransition]]:
    """Like `run`, with squares of their own size: (appears at, side in pixels, function t -> (x, y))."""
    detector = MotionDetector((H, W), [], [], MotionParams())
    events = MotionEvents(min_duration_s=1.0, quiet_s=5.0)
    out = []
    for i in range(int(seconds * FPS)):
        t = i / FPS
        rng = np.random.default_rng(i)
        y = np.full((H, W), 90, dtype=np.float32) + rng.normal(0, 1.5, (H, W))
        for t0, side, f in paths:
            if t >= t0:
                x, yy = f(t)  # type: ignore[operator]
                px, py = int(x * W), int(yy * H)
                y[py : py + side, px : px + side] = 200
        picture = np.clip(y, 0, 255).astype(np.uint8)
        m = detector.measure(picture, t)
        detector.learn(m)
        tr = events.update(m)
        if tr is not None:
            out.append((t, tr))
    return out


def test_a_car_in_the_next_lane_is_not_swallowed_by_a_bigger_one_beside_it() -> None:
    # A lorry is reported; a car enters the next lane far ahead and comes alongside it before it has lasted a
    # second. It has its own region all along, so it is its own new object: its own alert.
    lorry = (1.0, 24, walker(0.05, 0.15, 0.06, 1.0))
    car = (4.0, 20, walker(0.75, 0.15 + 34 / H, -0.7, 4.0))
    starts = [(at, tr) for at, tr in sized_run([lorry, car], 8) if tr.kind == "start"]
    assert [tr.new_object for _, tr in starts] == [False, True]
    at, second = starts[1]
    assert at <= 4.0 + 2.5 and second.box is not None and second.box[1] > 0.3


def test_two_objects_entering_far_apart_at_once_get_one_alert_each() -> None:
    got = run([(2.0, walker(0.05, 0.1, 0.1, 2.0)), (2.0, walker(0.85, 0.75, -0.1, 2.0))], 6)
    starts = [(at, tr) for at, tr in got if tr.kind == "start"]
    assert [tr.new_object for _, tr in starts] == [False, True]
    assert starts[1][0] - starts[0][0] <= 0.5  # the second one in the next picture, not after the first ends
    assert {round(tr.box[1], 1) for _, tr in starts if tr.box is not None} == {0.1, 0.7}


def test_something_stirring_right_beside_a_reported_object_is_part_of_it() -> None:
    # A person walks up to a bush and shakes it: the bush moved, but it is beside what was reported.
    person = (2.0, 12, walker(0.05, 0.4, 0.12, 2.0))
    bush = (4.5, 10, lambda t: (0.55 + 0.03 * ((t * 5) % 3), 0.4 + 14 / H))
    assert [tr.new_object for _, tr in sized_run([person, bush], 9) if tr.kind == "start"] == [False]
