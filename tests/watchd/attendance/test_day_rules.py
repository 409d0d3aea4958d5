"""The rules of one day, table-driven: lateness and early leave at every boundary, the 14:30 afternoon,
holidays and 调休, duty rest days, leave, days still in progress."""

from __future__ import annotations

from datetime import date

import pytest

from tests.watchd.attendance.rules import MONDAY, at, evaluate, leave, punches, rules
from watchd.domain.attendance.day import DayStatus, SessionState
from watchd.domain.leave import LeaveKind

# 上午 08:30-12:00, 下午 14:30-18:00 (the township whose afternoon starts at 14:30), 5 minutes grace.
STANDARD = rules(grace_late_minutes=5, grace_early_minutes=5)


@pytest.mark.parametrize(
    ("times", "status", "late", "early", "missing", "absent"),
    [
        pytest.param(["08:25", "12:01", "14:29", "18:00"], "present", 0, 0, 0, 0, id="on time"),
        pytest.param(["08:35:00", "12:00", "14:30", "18:00"], "present", 0, 0, 0, 0, id="late by exactly the grace"),
        pytest.param(["08:35:59", "12:00", "14:30", "18:00"], "present", 0, 0, 0, 0, id="seconds do not count"),
        pytest.param(["08:36:00", "12:00", "14:30", "18:00"], "present", 6, 0, 0, 0, id="one minute past the grace"),
        pytest.param(["08:30", "12:00", "14:35:00", "18:00"], "present", 0, 0, 0, 0, id="14:30 afternoon, grace"),
        pytest.param(["08:30", "12:00", "14:36:00", "18:00"], "present", 6, 0, 0, 0, id="14:30 afternoon, late"),
        pytest.param(["08:30", "12:00", "14:30", "17:55:00"], "present", 0, 0, 0, 0, id="early by exactly the grace"),
        pytest.param(["08:30", "12:00", "14:30", "17:54:00"], "present", 0, 6, 0, 0, id="early beyond the grace"),
        pytest.param(["08:30", "11:50", "14:30", "18:00"], "present", 0, 10, 0, 0, id="left the morning early"),
        pytest.param(["08:40", "11:50", "14:40", "17:50"], "present", 20, 20, 0, 0, id="late and early twice"),
        pytest.param(["08:20", "08:40", "11:00", "12:05", "14:30", "18:00"], "present", 0, 0, 0, 0,
                     id="earliest check-in and latest check-out count"),
        pytest.param(["08:30", "14:30", "18:00"], "present", 0, 0, 1, 0, id="no morning check-out (缺卡)"),
        pytest.param(["08:30", "12:00"], "present", 0, 0, 0, 1, id="absent in the afternoon"),
        pytest.param([], "absent", 0, 0, 0, 2, id="no punch at all"),
        pytest.param(["03:00", "06:10"], "absent", 0, 0, 0, 2, id="punches outside every window"),
        pytest.param(["06:30:00", "12:00", "14:30", "18:00"], "present", 0, 0, 0, 0, id="check-in window opens"),
        pytest.param(["06:29:59", "12:00", "14:30", "18:00"], "present", 0, 0, 1, 0, id="before the window opens"),
    ],
)
def test_punches_against_the_schedule(
    times: list[str], status: str, late: int, early: int, missing: int, absent: int
) -> None:
    day = evaluate(MONDAY, punches(MONDAY, *times), STANDARD)
    assert (day.status.value, day.late_minutes, day.early_minutes, day.missing_punches, day.absent_sessions) == (
        status, late, early, missing, absent
    )


def test_the_same_punch_is_late_where_the_afternoon_starts_at_14_00_and_on_time_at_14_30() -> None:
    early_afternoon = rules(schedules=[{"name": "标准", "sessions": [
        {"name": "上午", "start": "08:30", "end": "12:00"}, {"name": "下午", "start": "14:00", "end": "17:30"}]}])
    late_afternoon = rules(schedules=[{"name": "标准", "sessions": [
        {"name": "上午", "start": "08:30", "end": "12:00"}, {"name": "下午", "start": "14:30", "end": "18:00"}]}])
    times = punches(MONDAY, "08:30", "12:00", "14:20", "18:00")
    assert evaluate(MONDAY, times, early_afternoon).late_minutes == 20
    assert evaluate(MONDAY, times, late_afternoon).late_minutes == 0


@pytest.mark.parametrize(
    ("day", "times", "status", "absent"),
    [
        pytest.param(date(2026, 10, 1), [], "holiday", 0, id="National Day is a holiday"),
        pytest.param(date(2026, 10, 1), ["09:00"], "holiday", 0, id="a punch on a holiday changes nothing"),
        pytest.param(date(2026, 11, 28), [], "rest_day", 0, id="an ordinary Saturday"),
        pytest.param(date(2026, 2, 14), [], "absent", 2, id="调休 Saturday is a workday: absent without punches"),
        pytest.param(date(2026, 2, 14), ["08:30", "12:00", "14:30", "18:00"], "present", 0, id="调休 Saturday worked"),
        pytest.param(date(2026, 2, 16), [], "holiday", 0, id="Spring Festival Monday"),
    ],
)
def test_holidays_and_adjusted_working_weekends(day: date, times: list[str], status: str, absent: int) -> None:
    result = evaluate(day, punches(day, *times), STANDARD)
    assert (result.status.value, result.absent_sessions) == (status, absent)


def test_rest_day_after_a_duty_shift_and_the_duty_day_itself() -> None:
    assert evaluate(MONDAY, [], STANDARD, after_duty=True).status is DayStatus.duty_rest
    assert evaluate(MONDAY, [], STANDARD, on_duty=True).status is DayStatus.on_duty
    strict = rules(duty_rest_day=False, duty_day_excused=False)
    assert evaluate(MONDAY, [], strict, after_duty=True).status is DayStatus.absent
    assert evaluate(MONDAY, [], strict, on_duty=True).status is DayStatus.absent


def test_approved_leave_excuses_what_it_covers() -> None:
    whole = evaluate(MONDAY, [], STANDARD, leaves=[leave(MONDAY, "00:00", "00:00", LeaveKind.sick,
                                                          end_day=date(2026, 11, 24))])
    assert (whole.status, whole.leave, whole.absent_sessions) == (DayStatus.leave, {"sick": 1.0}, 0)

    morning = evaluate(MONDAY, punches(MONDAY, "14:30", "18:00"), STANDARD, leaves=[leave(MONDAY, "00:00", "12:00")])
    assert (morning.status, morning.leave, morning.absent_sessions) == (DayStatus.present, {"personal": 0.5}, 0)
    assert morning.sessions[0].state is SessionState.leave

    # Leave until 10:00 covers the morning start: no check-in is owed and nobody is late.
    start = evaluate(MONDAY, punches(MONDAY, "12:00", "14:30", "18:00"), STANDARD,
                     leaves=[leave(MONDAY, "08:00", "10:00")])
    assert (start.status, start.missing_punches, start.late_minutes) == (DayStatus.present, 0, 0)

    # Leave from 16:00 covers the end of the afternoon: leaving at 16:00 is not early.
    end = evaluate(MONDAY, punches(MONDAY, "08:30", "12:00", "14:30", "16:00"), STANDARD,
                   leaves=[leave(MONDAY, "16:00", "18:30")])
    assert (end.early_minutes, end.missing_punches) == (0, 0)

    # Without approved leave the same day is an absence.
    assert evaluate(MONDAY, [], STANDARD).status is DayStatus.absent


def test_a_day_in_progress_is_pending_not_absent() -> None:
    ten = at(MONDAY, "10:00")
    nobody_yet = evaluate(MONDAY, [], STANDARD, now=ten)
    assert (nobody_yet.status, nobody_yet.absent_sessions, nobody_yet.missing_punches) == (DayStatus.pending, 0, 0)
    came_late = evaluate(MONDAY, punches(MONDAY, "08:40"), STANDARD, now=ten)
    assert (came_late.status, came_late.late_minutes) == (DayStatus.present, 10)
    assert came_late.sessions[0].state is SessionState.pending
    # After the morning's windows closed, its missing check-out counts; the afternoon is still open.
    afternoon = evaluate(MONDAY, punches(MONDAY, "08:30"), STANDARD, now=at(MONDAY, "15:00"))
    assert (afternoon.missing_punches, afternoon.sessions[1].state) == (1, SessionState.pending)


def test_seasonal_schedule_applies_between_its_dates_and_wraps_the_year_end() -> None:
    seasonal = rules(schedules=[
        {"name": "夏季作息", "from": "05-01", "until": "09-30", "sessions": [
            {"name": "上午", "start": "08:00", "end": "12:00"}, {"name": "下午", "start": "15:00", "end": "18:30"}]},
        {"name": "冬季作息", "from": "10-01", "until": "04-30", "sessions": [
            {"name": "上午", "start": "09:00", "end": "12:00"}, {"name": "下午", "start": "14:30", "end": "17:30"}]},
    ])
    summer, winter, january = date(2026, 7, 1), date(2026, 12, 1), date(2026, 1, 7)
    assert seasonal.schedule_for(summer).name == "夏季作息"
    assert seasonal.schedule_for(winter).name == "冬季作息"
    assert seasonal.schedule_for(january).name == "冬季作息"
    assert evaluate(summer, punches(summer, "08:10", "12:00", "15:00", "18:30"), seasonal).late_minutes == 10
    assert evaluate(winter, punches(winter, "08:50", "12:00", "14:30", "17:30"), seasonal).late_minutes == 0
