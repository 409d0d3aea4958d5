"""The State Council's notices of 2023 to 2026, as published, parse into exactly the days off and
调休 working days that chinesecalendar (which transcribes the same notices) has for those years; broken
notices fail with the item and the date named."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar  # type: ignore[import-untyped]
import pytest

from tests.watchd.attendance.state_council_notices import (
    EXAMPLE_2027,
    NOTICE_2023,
    NOTICE_2024,
    NOTICE_2025,
    NOTICE_2026,
)
from watchd.calendar.package import HOLIDAY_NAMES
from watchd.calendar.state_council import NoticeParseError, parse_notice

PUBLISHED = {2023: NOTICE_2023, 2024: NOTICE_2024, 2025: NOTICE_2025, 2026: NOTICE_2026}


def days_of(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


@pytest.mark.parametrize("year", sorted(PUBLISHED))
def test_published_notices_match_the_package(year: int) -> None:
    parsed = parse_notice(PUBLISHED[year])
    assert parsed.year == year
    proposed = {p.day: p for p in parsed.days}
    # Every day of the year (and the December days of a 元旦 that starts the year before): off or working
    # exactly as the package says, with the notice's days on top of the weekends.
    for day in days_of(min(date(year, 1, 1), *proposed), date(year, 12, 31)):
        p = proposed.get(day)
        ours_off = (not p.workday) if p is not None else day.weekday() >= 5
        assert ours_off == chinese_calendar.is_holiday(day), day
    for p in parsed.days:
        on_holiday, english = chinese_calendar.get_holiday_detail(p.day)
        if not p.workday:
            assert on_holiday and HOLIDAY_NAMES[english] in p.name.split("、"), p
        else:
            assert p.day.weekday() >= 5 and chinese_calendar.is_workday(p.day), p


def test_the_2026_notice_in_detail() -> None:
    parsed = parse_notice(NOTICE_2026)
    assert [(i.name, i.first, i.last, i.days_off) for i in parsed.items] == [
        ("元旦", date(2026, 1, 1), date(2026, 1, 3), 3),
        ("春节", date(2026, 2, 15), date(2026, 2, 23), 9),
        ("清明节", date(2026, 4, 4), date(2026, 4, 6), 3),
        ("劳动节", date(2026, 5, 1), date(2026, 5, 5), 5),
        ("端午节", date(2026, 6, 19), date(2026, 6, 21), 3),
        ("中秋节", date(2026, 9, 25), date(2026, 9, 27), 3),
        ("国庆节", date(2026, 10, 1), date(2026, 10, 7), 7),
    ]
    assert [(p.day, p.name) for p in parsed.days if p.workday] == [
        (date(2026, 1, 4), "元旦"), (date(2026, 2, 14), "春节"), (date(2026, 2, 28), "春节"),
        (date(2026, 5, 9), "劳动节"), (date(2026, 9, 20), "国庆节"), (date(2026, 10, 10), "国庆节"),
    ]
    assert len(parsed.days) == 33 + 6


def test_new_year_across_the_turn_of_the_year_and_spring_festival_across_months() -> None:
    parsed = parse_notice(NOTICE_2023)
    assert [p.day for p in parsed.days if p.name == "元旦"] == [date(2022, 12, 31), date(2023, 1, 1), date(2023, 1, 2)]
    spring = parse_notice(NOTICE_2025).items[1]
    assert (spring.name, spring.first, spring.last, spring.workdays) == (
        "春节", date(2025, 1, 28), date(2025, 2, 4), (date(2025, 1, 26), date(2025, 2, 8)),
    )
    # Without years, a December start of 元旦 belongs to the year before.
    short = parse_notice("一、元旦：12月31日（周四）至1月2日（周六）放假调休，共3天。", 2021)
    assert [p.day for p in short.days] == [date(2020, 12, 31), date(2021, 1, 1), date(2021, 1, 2)]


def test_the_encouragement_to_rest_on_new_years_eve_is_no_holiday() -> None:
    parsed = parse_notice(NOTICE_2024)
    assert date(2024, 2, 9) not in {p.day for p in parsed.days}
    assert [p.day for p in parsed.days if p.name == "元旦"] == [date(2024, 1, 1)]


def test_a_title_and_items_pasted_without_the_rest() -> None:
    """Only the title and the item lines, copied from a web page: the first item still counts."""
    lines = [line.strip() for line in NOTICE_2026.splitlines()]
    short = "\n".join([lines[0], *(line for line in lines if line[:2] in ("一、", "二、", "三、"))])
    parsed = parse_notice(short)
    assert [(i.name, i.days_off) for i in parsed.items] == [("元旦", 3), ("春节", 9), ("清明节", 3)]


def test_older_notices_with_make_up_days_off() -> None:
    parsed = parse_notice("一、元旦：1月1日放假，1月2日（星期一）补休。", 2017)
    assert [(p.day, p.workday, p.note) for p in parsed.days] == [
        (date(2017, 1, 1), False, "放假"), (date(2017, 1, 2), False, "放假"),
    ]


def test_next_years_notice_parses_with_its_weekdays_checked() -> None:
    parsed = parse_notice(EXAMPLE_2027)
    assert parsed.year == 2027
    assert next((p.day, p.workday) for p in parsed.days if p.name == "春节") == (date(2027, 2, 5), False)
    assert sum(not p.workday for p in parsed.days) == 1 + 9 + 3 + 5 + 1 + 1 + 7


@pytest.mark.parametrize(
    ("text", "year", "code", "message"),
    [
        (NOTICE_2026.replace("2026年部分", "2027年部分"), None, "holiday_notice_bad_date",
         "元旦：2027年1月1日是星期五，通知写的是“周四”"),
        (NOTICE_2026.replace("共9天", "共8天"), None, "holiday_notice_bad_date", "春节：通知写共8天，但2月15日至2月23日是9天"),
        (NOTICE_2026.replace("国庆节：10月1日（周四）", "国庆节：10月32日（周四）"), None, "holiday_notice_bad_date",
         "国庆节：2026年10月32日不存在"),
        ("节假日安排如下：元旦放假三天。", 2027, "holiday_notice_unreadable", "没有找到“一、元旦：…”"),
        ("一、元旦：1月1日（周五）放假，与周末连休。", None, "holiday_notice_year", "找不到通知的年份"),
        ("一、元旦：1月1日放假。二、春节：1月1日至3日放假。", 2027, "holiday_notice_bad_date", "1月1日在“元旦”和“春节”中都出现"),
    ],
)
def test_broken_notices_name_the_item_and_the_date(text: str, year: int | None, code: str, message: str) -> None:
    with pytest.raises(NoticeParseError) as raised:
        parse_notice(text, year)
    assert raised.value.code == code
    assert message in raised.value.message
