"""Notices reach the administrator contacts once, in working hours, through the alert outbox; never
the leader on duty, never escalated. Real texts to the fake webhook provider on loopback, on SQLite and
PostgreSQL; the alert runner is ticked by hand on the test's clock.

2098 is a year no chinesecalendar release covers: its holiday data is missing (a notice), and its
working days are the weekdays."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.helpers.clocks import FakeClock
from tests.watchd.alerts.alerting import Ticker
from tests.watchd.alerts.webhook_receiver import WebhookReceiver
from watchd.app import Services
from watchd.domain.notices import Notice, NoticeKind

ZONE = ZoneInfo("Asia/Shanghai")
ADMIN_PHONE, LEADER_PHONE, PRINCIPAL_PHONE = "13800000009", "13800000003", "13800000004"
PEOPLE: list[dict[str, Any]] = [
    {"id": "a001", "name": "萨仁", "role": "cadre", "phone": ADMIN_PHONE},  # the township's administrator
    {"id": "l001", "name": "乌云", "role": "leader", "phone": LEADER_PHONE},
    {"id": "p001", "name": "巴雅尔", "role": "principal_leader", "phone": PRINCIPAL_PHONE},
]
FRIDAY, SATURDAY, MONDAY = date(2098, 12, 5), date(2098, 12, 6), date(2098, 12, 8)


def at(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=ZONE)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as r:
        yield r


@pytest.fixture
def township(make_services: Callable[..., Services], clock: FakeClock, receiver: WebhookReceiver) -> Services:
    clock.now = at(FRIDAY, "06:30")
    return make_services(
        people=PEOPLE,
        alerts={
            "channels": [{"id": "hook", "kind": "webhook", "url": receiver.send_url, "status_url": receiver.status_url}],
            "on_call": [{"leader": "l001", "principal": "p001"}],
            "escalation": {"wait_minutes": 5, "rounds": 3},
        },
        notices={"contacts": ["a001"]},
    )


def disk(clock: FakeClock, *, active: bool = True) -> Notice:
    return Notice(kind=NoticeKind.disk_low, subject="/srv/watchd", observed_at=clock(), active=active,
                  text="数据目录所在磁盘仅剩 4%：请缩短 [retention] 保存天数")


def test_a_notice_reaches_the_administrator_once_in_working_hours_and_never_the_leader(
    township: Services, clock: FakeClock, receiver: WebhookReceiver
) -> None:
    services, ticker = township, Ticker(township)
    assert services.attendance.check_calendar() == [2098, 2099]  # before working hours: listed, not sent
    assert {n.subject for n in services.notices.active()} == {"2098", "2099"}
    assert services.notices.send_due() == 0
    ticker.tick()
    assert not receiver.accepted

    clock.now = at(FRIDAY, "08:30")
    assert services.notices.send_due() == 2
    ticker.run_for(clock, minutes=40)  # longer than three escalation rounds would take
    texts = receiver.texts_to(ADMIN_PHONE)
    assert len(texts) == 2 and all(t.startswith("【维护提醒】测试苏木 2") for t in texts)
    assert any("2099年节假日安排尚未录入" in t and "/reports" in t and "国务院办公厅" in t for t in texts)
    assert not any("chinesecalendar" in t or "升级" in t for t in texts)
    assert receiver.texts_to(LEADER_PHONE) == [] and receiver.texts_to(PRINCIPAL_PHONE) == []
    assert services.alerts.search() == []  # not an incident: nothing to acknowledge, nothing escalates

    # The daily check again, the next day's check, the upkeep job: nothing more is sent.
    services.attendance.check_calendar()
    clock.now = at(MONDAY, "08:00")
    services.attendance.check_calendar()
    clock.now = at(MONDAY, "09:00")
    assert services.notices.send_due() == 0
    ticker.tick()
    assert len(receiver.accepted) == 2
    assert [(n.subject, n.sent_at is not None) for n in services.notices.active()] == [("2098", True), ("2099", True)]


def test_a_notice_raised_on_a_weekend_waits_for_the_next_working_morning(
    township: Services, clock: FakeClock, receiver: WebhookReceiver
) -> None:
    services, ticker = township, Ticker(township)
    clock.now = at(SATURDAY, "10:00")
    services.notices.notice(disk(clock))
    clock.now = at(SATURDAY, "16:00")
    services.notices.send_due()
    clock.now = at(MONDAY, "08:29")
    services.notices.send_due()
    ticker.tick()
    assert not receiver.accepted
    clock.now = at(MONDAY, "08:30")
    assert services.notices.send_due() == 1
    ticker.tick()
    assert receiver.texts_to(ADMIN_PHONE) == ["【维护提醒】测试苏木 数据目录所在磁盘仅剩 4%：请缩短 [retention] 保存天数"]


def test_repeats_change_nothing_clearing_resolves_and_a_return_is_a_new_notice(
    township: Services, clock: FakeClock, receiver: WebhookReceiver
) -> None:
    services, ticker = township, Ticker(township)
    clock.now = at(FRIDAY, "09:00")
    assert services.notices.record(disk(clock)) == "opened"
    ticker.tick()
    clock.now = at(FRIDAY, "09:10")
    assert services.notices.record(disk(clock)) == "repeat"
    (only,) = services.notices.active()
    assert only.first_seen_at == at(FRIDAY, "09:00") and only.last_seen_at == at(FRIDAY, "09:10")
    assert services.notices.record(disk(clock, active=False)) == "resolved"
    assert services.notices.record(disk(clock, active=False)) == "ignored"
    assert services.notices.active() == []
    clock.now = at(FRIDAY, "11:00")
    assert services.notices.record(disk(clock)) == "opened"
    ticker.tick()
    assert len(receiver.texts_to(ADMIN_PHONE)) == 2  # once for each time the disk filled
    history = services.notices.recent()
    assert [(n.active, n.resolved_at is not None) for n in history] == [(True, False), (False, True)]


def test_an_acknowledged_notice_stays_listed_and_is_not_sent(
    township: Services, clock: FakeClock, receiver: WebhookReceiver
) -> None:
    services, ticker = township, Ticker(township)
    services.notices.notice(disk(clock))  # 06:30: waits for working hours
    (waiting,) = services.notices.active()
    seen = services.notices.acknowledge(waiting.id, "admin")
    assert (seen.acknowledged_by, seen.active) == ("admin", True)
    clock.now = at(FRIDAY, "09:00")
    assert services.notices.send_due() == 0
    ticker.tick()
    assert not receiver.accepted


def test_without_contacts_notices_are_only_listed(
    make_services: Callable[..., Services], clock: FakeClock, receiver: WebhookReceiver
) -> None:
    clock.now = at(FRIDAY, "09:00")
    services = make_services(people=PEOPLE, alerts={
        "channels": [{"id": "hook", "kind": "webhook", "url": receiver.send_url, "status_url": receiver.status_url}],
        "on_call": [{"leader": "l001", "principal": "p001"}],
    })
    services.attendance.check_calendar()
    assert services.notices.send_due() == 0
    Ticker(services).tick()
    assert not receiver.accepted
    assert {n.subject for n in services.notices.active()} == {"2098", "2099"}
