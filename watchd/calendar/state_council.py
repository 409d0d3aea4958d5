"""The State Council's yearly notice (国务院办公厅关于20XX年部分节假日安排的通知), pasted as text, turned
into the days off (放假, 补休) and the adjusted working days (调休上班) it announces.

The notice has one numbered item per holiday, each a few sentences:

    一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
    二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。…
    六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。

A sentence with 放假 gives the days off (a range "A至B", or the dates listed), one with 补休 a day off,
one with 上班 the working days; other sentences (鼓励…在除夕休息) announce nothing. Dates without a
year belong to the notice's year, except the December start of a range that ends in January (元旦).
Every weekday the notice states (周五, 星期日) is checked, and so is "共N天": a typo or a notice of another
year fails with the item and the date named, and nothing is proposed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

WEEKDAYS = "一二三四五六日"
NUMERALS = "一二三四五六七八九十"
TITLE_YEAR = re.compile(r"(\d{4})年(?:元旦、春节|部分节假日)")
HOLIDAY_NAME = r"[^:、。,;()]{1,6}(?:节|旦)"  # 元旦, 春节, 清明节, 劳动节, 端午节, 中秋节, 国庆节
ITEM = re.compile(rf"(?<![{NUMERALS}])[{NUMERALS}]+、({HOLIDAY_NAME}(?:、{HOLIDAY_NAME})*):")
DATE = re.compile(r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日(?:\(([^)]*)\))?")
STATED_WEEKDAY = re.compile(r"(?:周|星期)([一二三四五六日天])")
TOTAL = re.compile(r"共(\d{1,2})天")
END_OF_ITEMS = "节假日期间"


class NoticeParseError(ValueError):
    """What is wrong, in Chinese, naming the item and the date; `code` for the API."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class ProposedDay:
    day: date
    workday: bool  # True: 调休上班 (a weekend worked); False: a day off
    name: str  # the holiday it belongs to, e.g. 春节
    note: str  # 放假, 补休 or 调休上班


@dataclass(frozen=True, slots=True)
class HolidayItem:
    name: str
    first: date
    last: date
    days_off: int
    workdays: tuple[date, ...]


@dataclass(frozen=True, slots=True)
class ParsedNotice:
    year: int
    items: tuple[HolidayItem, ...]
    days: tuple[ProposedDay, ...]  # sorted by date


@dataclass(frozen=True, slots=True)
class _Date:
    year: int | None
    month: int | None
    day: int
    remark: str  # what stood in brackets after it, e.g. 农历除夕、周二


def normalize(text: str) -> str:
    """Full-width digits and punctuation to ASCII (NFKC), without spaces or line breaks."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def notice_year(text: str, year: int | None = None) -> int:
    found = TITLE_YEAR.search(normalize(text))
    if found is not None:
        return int(found.group(1))
    if year is None:
        raise NoticeParseError("holiday_notice_year", "找不到通知的年份：请粘贴含标题的通知全文，或填写年份")
    return year


def parse_notice(text: str, year: int | None = None) -> ParsedNotice:
    """Every day the notice announces, with its holiday's name. Raises NoticeParseError."""
    flat = normalize(text)
    year = notice_year(text, year)
    heads = list(ITEM.finditer(flat))
    if not heads:
        raise NoticeParseError(
            "holiday_notice_unreadable", "没有找到“一、元旦：…”这样的放假安排条目，请粘贴通知全文"
        )
    items: list[HolidayItem] = []
    days: dict[date, ProposedDay] = {}
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(flat)
        body = flat[head.end():end].split(END_OF_ITEMS)[0]
        item, proposed = _item(head.group(1), body, year)
        items.append(item)
        for p in proposed:
            if p.day in days:
                raise NoticeParseError(
                    "holiday_notice_bad_date", f"{p.day.month}月{p.day.day}日在“{days[p.day].name}”和“{p.name}”中都出现"
                )
            days[p.day] = p
    return ParsedNotice(year, tuple(items), tuple(days[d] for d in sorted(days)))


def _item(name: str, body: str, year: int) -> tuple[HolidayItem, list[ProposedDay]]:
    off: list[tuple[date, str]] = []
    work: list[date] = []
    stated_total: int | None = None
    for sentence in filter(None, body.split("。")):
        found = [(m, m.group(0)) for m in DATE.finditer(sentence)]
        if not found:
            continue
        dates = [_Date(int(m[1]) if m[1] else None, int(m[2]) if m[2] else None, int(m[3]), m[4] or "")
                 for m, _ in found]
        if "上班" in sentence:
            work += _resolve(name, dates, year, first_off=off[0][0] if off else None)
        elif "放假" in sentence or "补休" in sentence:
            total = TOTAL.search(sentence)
            stated_total = int(total.group(1)) if total else stated_total
            resolved = _resolve(name, dates, year, first_off=None)
            if "至" in sentence and len(resolved) >= 2:
                first, last = resolved[0], resolved[1]
                if last < first:
                    raise NoticeParseError("holiday_notice_bad_date", f"{name}：放假的结束日期早于开始日期")
                span = [first + timedelta(days=k) for k in range((last - first).days + 1)]
                off += [(d, "放假") for d in span] + [(d, "补休") for d in resolved[2:]]
            else:
                note = "补休" if "补休" in sentence and "放假" not in sentence else "放假"
                off += [(d, note) for d in resolved]
    if not off:
        raise NoticeParseError("holiday_notice_unreadable", f"{name}：没有找到放假日期")
    if stated_total is not None and stated_total != len(off):
        raise NoticeParseError(
            "holiday_notice_bad_date",
            f"{name}：通知写共{stated_total}天，但{_md(off[0][0])}至{_md(off[-1][0])}是{len(off)}天，请检查日期",
        )
    name = name[:40]
    proposed = [ProposedDay(d, False, name, note) for d, note in off]
    proposed += [ProposedDay(d, True, name, "调休上班") for d in work]
    item = HolidayItem(name, off[0][0], off[-1][0], len(off), tuple(work))
    return item, proposed


def _resolve(name: str, dates: list[_Date], year: int, *, first_off: date | None) -> list[date]:
    """Dates with year and month filled in (a month carries over within a sentence), weekdays checked."""
    out: list[date] = []
    month: int | None = None
    for k, d in enumerate(dates):
        month = d.month or month
        if month is None:
            raise NoticeParseError("holiday_notice_bad_date", f"{name}：“{d.day}日”前没有月份")
        y = d.year or year
        if d.year is None and month == 12 and first_off is not None and first_off.year == year - 1:
            y = year - 1  # a December working day of a 元旦 that began in the year before
        try:
            value = date(y, month, d.day)
        except ValueError:
            raise NoticeParseError("holiday_notice_bad_date", f"{name}：{y}年{month}月{d.day}日不存在") from None
        if k == 0 and d.year is None and len(dates) > 1 and month == 12 and _later_in_january(dates):
            value = value.replace(year=y - 1)  # 元旦: 12月31日至1月2日
        stated = STATED_WEEKDAY.search(d.remark)
        if stated is not None:
            wanted = WEEKDAYS.index("日" if stated.group(1) == "天" else stated.group(1))
            if value.weekday() != wanted:
                raise NoticeParseError(
                    "holiday_notice_bad_date",
                    f"{name}：{value.year}年{_md(value)}是星期{WEEKDAYS[value.weekday()]}，通知写的是“{stated.group(0)}”，"
                    "请检查年份和日期",
                )
        out.append(value)
    return out


def _later_in_january(dates: list[_Date]) -> bool:
    return any(d.month == 1 and d.year is None for d in dates[1:])


def _md(day: date) -> str:
    return f"{day.month}月{day.day}日"
