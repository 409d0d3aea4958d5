"""Schedules in the configuration file: mistakes are reported with their key path and reason."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from watchd.settings import ConfigError, load_settings


def problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "watchd.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    return info.value.problems


def test_a_township_with_its_own_14_30_afternoon_and_35_yuan_allowance_loads(tmp_path: Path) -> None:
    path = tmp_path / "watchd.toml"
    path.write_text(
        """
[attendance.rules]
allowance_per_day = 30

[[attendance.organisations]]
organisation = "阿嘎如泰苏木"
allowance_per_day = 35
grace_late_minutes = 5
village_day_rule = "morning_and_afternoon"
[[attendance.organisations.schedules]]
name = "标准作息"
sessions = [{name = "上午", start = "08:30", end = "12:00"}, {name = "下午", start = "14:30", end = "18:00"}]
""",
        encoding="utf-8",
    )
    default, orgs = load_settings(path).settings.attendance.rule_sets()
    assert str(default.allowance_per_day) == "30"
    township = orgs["阿嘎如泰苏木"]
    assert str(township.allowance_per_day) == "35"
    afternoon = township.schedule_for(date(2026, 11, 23)).sessions[1]
    assert afternoon.start.total_seconds() == 14.5 * 3600


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            '[[attendance.rules.schedules]]\nname = "x"\nsessions = [{name = "上午", start = "12:00", end = "08:30"}]\n',
            "attendance.rules.schedules.0.sessions.0: session '上午': end 08:30 is not after start 12:00",
            id="session ends before it starts",
        ),
        pytest.param(
            '[[attendance.rules.schedules]]\nname = "x"\nsessions = [{name = "上午", start = "08:30", end = "12:00", '
            'checkin_closes_minutes = 200, checkout_opens_minutes = 60}]\n',
            "attendance.rules.schedules.0: schedule 'x': session '上午': the check-in window (until 11:50) overlaps "
            "the check-out window (from 11:00)",
            id="check-in and check-out windows overlap",
        ),
        pytest.param(
            '[[attendance.rules.schedules]]\nname = "夏"\nfrom = "05-01"\nuntil = "09-30"\n'
            'sessions = [{name = "上午", start = "08:30", end = "12:00"}]\n',
            "attendance.rules: no schedule covers 01-01: add one without 'from' and 'until'",
            id="seasons leave a gap",
        ),
        pytest.param(
            '[[attendance.rules.schedules]]\nname = "夏"\nfrom = "02-30"\nuntil = "09-30"\n'
            'sessions = [{name = "上午", start = "08:30", end = "12:00"}]\n',
            "attendance.rules.schedules.0.from: '02-30' is not a day of the year",
            id="no such day",
        ),
        pytest.param(
            "[attendance.rules]\ngrace_late_minutes = 500\n",
            "attendance.rules.grace_late_minutes: Input should be less than or equal to 120",
            id="grace out of range",
        ),
        pytest.param(
            '[attendance.rules]\nvillage_day_rule = "afternoon"\n',
            "attendance.rules.village_day_rule: Input should be 'morning', 'morning_and_afternoon' or 'any'",
            id="unknown village day rule",
        ),
        pytest.param(
            "[attendance]\nmakeup_cap = 3\n", "attendance.makeup_cap: unknown key (not allowed here)", id="typo",
        ),
    ],
)
def test_bad_schedule_is_reported_with_its_key_path(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in problems(tmp_path, text)
