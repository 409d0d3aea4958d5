"""The daily work log and the weekly plan: which days are open for writing, weeks, completion rates.

Pure: every function takes the day (and `today`) it decides about; no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

MAX_DONE, MAX_PROBLEMS, MAX_PLAN = 4000, 2000, 2000
MAX_ITEM, MAX_NOTE, MAX_COMMENT = 500, 500, 1000


class OwnerKind(StrEnum):
    person = "person"
    department = "department"


class ItemStatus(StrEnum):
    open = "open"  # not marked yet
    done = "done"
    partly = "partly"
    not_done = "not_done"


STATUS_TEXT = {
    ItemStatus.open: "未标记",
    ItemStatus.done: "完成",
    ItemStatus.partly: "部分完成",
    ItemStatus.not_done: "未完成",
}
#: what an item counts toward the completion rate; unmarked items count as not done
STATUS_WEIGHT = {ItemStatus.open: 0.0, ItemStatus.done: 1.0, ItemStatus.partly: 0.5, ItemStatus.not_done: 0.0}


class WriteRefused(Exception):
    """The day may not be written (a future day, or locked); `code` maps to the Chinese message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message


def last_open_day(day: date, lock_days: int) -> date:
    """The last day on which `day`'s entry may still be written or edited."""
    return day + timedelta(days=lock_days)


def locked(day: date, today: date, lock_days: int) -> bool:
    return today > last_open_day(day, lock_days)


def check_writable(day: date, today: date, lock_days: int) -> None:
    """A future day cannot be written; a day older than `lock_days` cannot be written or edited."""
    if day > today:
        raise WriteRefused("worklog_future_day", f"{day} is after today ({today})")
    if locked(day, today, lock_days):
        raise WriteRefused("worklog_locked", f"{day} locked since {last_open_day(day, lock_days)}")


def week_of(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def week_days(week: date) -> list[date]:
    return [week + timedelta(days=i) for i in range(7)]


@dataclass(frozen=True, slots=True)
class Completion:
    items: int
    done: int
    partly: int
    not_done: int
    open: int

    @property
    def rate(self) -> float | None:
        """Share of the plan finished (partly counts half; unmarked counts as not done); None without items."""
        if not self.items:
            return None
        return (self.done + 0.5 * self.partly) / self.items


def completion(statuses: Iterable[str]) -> Completion:
    counts = dict.fromkeys(ItemStatus, 0)
    for status in statuses:
        counts[ItemStatus(status)] += 1
    return Completion(
        items=sum(counts.values()),
        done=counts[ItemStatus.done],
        partly=counts[ItemStatus.partly],
        not_done=counts[ItemStatus.not_done],
        open=counts[ItemStatus.open],
    )


def rate_text(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.0%}"
