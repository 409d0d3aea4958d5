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
