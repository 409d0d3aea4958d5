"""Per-alert scoring (bench/footage/scoring.py) on hand-made alerts and intrusions."""

from __future__ import annotations

from dataclasses import asdict

import footage_score
import pytest
from footage.labels import Interval
from footage.scoring import Alert, Score, score

WINDOW = (0.0, 100.0)


def test_an_alert_within_2_5_s_catches_the_intrusion() -> None:
    result = score([Alert(12.5, 20.0)], [Interval(10.0, 18.0)], window=WINDOW)

    assert (result.caught, result.missed, result.false_alerts) == (1, 0, 0)
    assert result.latencies_s == [2.5]


def test_an_alert_2_6_s_late_is_a_miss_and_a_false_alert() -> None:
    result = score([Alert(12.6, 20.0)], [Interval(10.0, 18.0)], window=WINDOW)

    assert (result.caught, result.missed, result.false_alerts) == (0, 1, 1)
    assert (result.false_late, result.false_empty) == (1, 0)
    assert result.false_alarm_s == pytest.approx(7.4)
    assert result.missed_at_s == [10.0]


def test_an_alert_while_nothing_is_there_is_false_and_its_event_counts_as_false_alarm_time() -> None:
    result = score([Alert(40.0, 55.5), Alert(98.0, 130.0)], [], window=WINDOW)

    assert (result.false_alerts, result.false_empty) == (2, 2)
    assert result.false_alarm_s == pytest.approx(15.5 + 2.0)  # clipped to the scored window
    assert result.false_at_s == [40.0, 98.0]


def test_one_alert_catches_one_intrusion_and_an_open_event_does_not_catch_a_second() -> None:
    # The first car raises an alert at 11 s; the event stays open while a second car enters at 20 s.
    result = score([Alert(11.0, 40.0)], [Interval(10.0, 30.0), Interval(20.0, 40.0)], window=WINDOW)

    assert (result.intrusions, result.caught, result.missed, result.false_alerts) == (2, 1, 1, 0)
    assert result.missed_at_s == [20.0]


def test_a_second_alert_for_a_new_object_catches_it() -> None:
    result = score(
        [Alert(11.0, 19.0), Alert(21.0, 40.0)], [Interval(10.0, 30.0), Interval(20.0, 40.0)], window=WINDOW
    )

    assert (result.caught, result.missed, result.false_alerts) == (2, 0, 0)


def test_alerts_slightly_early_count_but_not_long_before() -> None:
    early = score([Alert(9.6, 15.0)], [Interval(10.0, 18.0)], window=WINDOW)
    too_early = score([Alert(9.4, 15.0)], [Interval(10.0, 18.0)], window=WINDOW)

    assert (early.caught, early.false_alerts) == (1, 0)
    assert (too_early.caught, too_early.false_alerts) == (0, 1)


def test_alerts_outside_the_window_or_during_an_unscored_object_are_neither_caught_nor_false() -> None:
    result = score(
        [Alert(5.0, 8.0), Alert(30.0, 35.0), Alert(150.0, 160.0)],
        [Interval(50.0, 60.0)],
        window=(10.0, 100.0),
        unscored=[Interval(10.0, 32.0)],
    )

    assert (result.caught, result.missed, result.false_alerts, result.false_alarm_s) == (0, 1, 0, 0.0)


def test_the_table_splits_false_alerts_into_nothing_there_and_late() -> None:
    car = Interval(10.0, 20.0)
    result = score([Alert(11.0, 15.0), Alert(14.0, 16.0), Alert(40.0, 41.0)], [car], window=WINDOW)
    missed = Score(intrusions=1, missed=1)
    clip: dict[str, object] = {"watchd": asdict(result), "baseline": asdict(missed)}

    text = footage_score.table({"road": clip}, {"watchd": result, "baseline": missed})

    head, _, watchd_row, baseline_row, *_ = text.splitlines()
    assert head.split()[-5:] == ["false", "empty", "late", "false", "s"]
    # caught 1, missed 0, false 2: one while nothing was there (40 s), one a repeat while the car was (14 s)
    assert watchd_row.split()[2:8] == ["1", "1", "0", "2", "1", "1"]
    assert baseline_row.split()[2:8] == ["1", "0", "1", "0", "0", "0"]
