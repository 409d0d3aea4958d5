"""Spot checks (查岗) through the service with the clock the test drives: each shift's draw (inside
the window, outside quiet hours, the minimum gap), the screen's answer, a text reply from the right and
the wrong phone, a miss raising an incident to the leader on duty, three misses a major one, and the
monthly 查岗响应率. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import select

from tests.helpers.clocks import FakeClock
from tests.watchd.duty.conftest import admin, duty_config, leader, officer
from watchd.alerts.notifiers.base import InboundReply
from watchd.app import Services
from watchd.db.models import SpotCheck
from watchd.errors import Conflict, Forbidden, Invalid, NotFound
from watchd.reports.duty_monthly import spot_check_table
from watchd.services.spot_checks import SpotCheckView

MONDAY = date(2026, 11, 23)
D001_PHONE = "13700000001"  # tests/watchd/duty/conftest.py
LEADER_PHONE = "13900000001"


def checks_config(**spot: Any) -> dict[str, Any]:
    return duty_config(spot_checks={"enabled": True, "rooms": ["duty"], **spot})


@pytest.fixture
def spot(make_services: Callable[..., Services]) -> Services:
    services = make_services(**checks_config(screen_per_shift=3, sms_per_shift=1))
    services.duty.set_day(admin(), "duty", MONDAY, officers=["d001"], leaders=["l001"])
    return services


def planned(services: Services) -> list[SpotCheck]:
    with services.db.read() as s:
        rows = s.scalars(select(SpotCheck).order_by(SpotCheck.planned_at)).all()
        s.expunge_all()
    return list(rows)


def start_of(day: date, services: Services) -> datetime:
    return datetime(day.year, day.month, day.day, 8, 30, tzinfo=services.config.settings.zone)


def at_check(services: Services, clock: FakeClock, channel: str) -> SpotCheck:
    """Move the clock to the first planned check of the channel and let the tick issue it."""
    row = next(r for r in planned(services) if r.channel == channel and r.status == "planned")
    clock.now = row.planned_at
    services.spot_checks.tick()
    return row


def check_of(services: Services, check_id: int) -> SpotCheckView:
    return next(c for c in services.spot_checks.of_shift("duty", MONDAY) if c.id == check_id)


def messages_to(services: Services, phone: str) -> list[str]:
    return [n.text for n in services.alerts.notifications() if n.address == phone]


def test_each_shift_is_drawn_once_inside_the_window_outside_quiet_hours_and_apart(
    make_services: Callable[..., Services], clock: FakeClock
) -> None:
    services = make_services(
        **checks_config(
            screen_per_shift=4,
            sms_per_shift=2,
            min_gap_minutes=60,
            window={"start": "09:00", "end": "07:00"},
            quiet_hours=[{"start": "01:00", "end": "05:00"}],
        )
    )
    zone = services.config.settings.zone
    days = [MONDAY + timedelta(days=i) for i in range(12)]
    for day in days:
        services.duty.set_day(admin(), "duty", day, officers=["d001"], leaders=["l001"])
        clock.now = start_of(day, services) + timedelta(seconds=1)
        services.spot_checks.tick()
        services.spot_checks.tick()  # a second tick (or a restart) draws nothing more
    rows = planned(services)
    assert len(rows) == 6 * len(days)
    times_of_day = set()
    for day in days:
        mine = sorted(r.planned_at for r in rows if r.day == day)
        assert [r.channel for r in rows if r.day == day].count("sms") == 2
        for at in mine:
            local = at.astimezone(zone)
            assert (
                start_of(day, services) + timedelta(minutes=10)
                <= at
                <= start_of(day, services) + timedelta(hours=24, minutes=-10)
            )
            assert not (local.hour < 9 and local.hour >= 7 and local.date() == day)  # outside the window
            assert not (1 <= local.hour < 5), local  # quiet hours
            times_of_day.add(local.strftime("%H:%M"))
        assert all(b - a >= timedelta(minutes=60) for a, b in pairwise(mine))
    assert len(times_of_day) > 50  # no fixed schedule: the times differ from shift to shift


def test_a_screen_check_is_answered_on_the_duty_screen_only(spot: Services, clock: FakeClock) -> None:
    services = spot
    services.spot_checks.tick()
    assert services.spot_checks.open_for_screen(officer("duty-screen")) == []  # nothing before its time
    row = at_check(services, clock, "screen")
    [shown] = services.spot_checks.open_for_screen(officer("duty-screen"))
    assert (shown.id, shown.seconds_left, len(shown.code)) == (row.id, 300, 4)
    with pytest.raises(Forbidden):
        services.spot_checks.open_for_screen(leader("l001"))  # a leader's phone never sees the nonce
    with pytest.raises(Forbidden):
        services.spot_checks.answer_on_screen(admin(), row.id, shown.nonce, shown.code)
    with pytest.raises(NotFound):
        services.spot_checks.answer_on_screen(officer("duty-screen"), row.id, "guessed-nonce-123", shown.code)
    with pytest.raises(Invalid):
        services.spot_checks.answer_on_screen(
            officer("duty-screen"), row.id, shown.nonce, "0000" if shown.code != "0000" else "1111"
        )
    clock.advance(seconds=72)
    answered = services.spot_checks.answer_on_screen(officer("duty-screen"), row.id, shown.nonce, shown.code)
    assert (answered.status, answered.answer_seconds, answered.officers) == ("answered", 72, ["张三"])
    with pytest.raises(Conflict):
        services.spot_checks.answer_on_screen(officer("duty-screen"), row.id, shown.nonce, shown.code)
    clock.advance(minutes=10)
    services.spot_checks.tick()
    assert services.alerts.search() == []  # answered: no incident
    log = services.duty_log.log("duty", MONDAY)
    assert [(c.channel, c.status, c.answer_seconds) for c in log.spot_checks if c.id == row.id] == [
        ("screen", "answered", 72)
    ]
    assert "屏幕 已应答，用时 1分12秒" in services.duty_log.report_text("duty", MONDAY)


def test_listed_screen_logins_are_the_only_ones_that_answer(
    make_services: Callable[..., Services], clock: FakeClock
) -> None:
    services = make_services(
        **checks_config(screen_per_shift=1, sms_per_shift=0, screen_logins=["duty-screen"])
    )
    services.duty.set_day(admin(), "duty", MONDAY, officers=["d001"], leaders=["l001"])
    services.spot_checks.tick()
    at_check(services, clock, "screen")
    with pytest.raises(Forbidden):
        services.spot_checks.open_for_screen(officer("d001"))  # the officer's own login, on some other screen
    assert len(services.spot_checks.open_for_screen(officer("duty-screen"))) == 1


def test_a_text_check_is_answered_from_the_officers_phone_only(spot: Services, clock: FakeClock) -> None:
    services = spot
    services.spot_checks.tick()
    row = at_check(services, clock, "sms")
    [text] = messages_to(services, D001_PHONE)
    fresh = next(r for r in planned(services) if r.id == row.id)
    assert text.startswith("【值班查岗】张三，请在") and text.endswith(f"回复查岗码{fresh.code}。")
    clock.advance(minutes=2)
    wrong = services.alerts.handle_reply(
        InboundReply(sender="+86 139-0000-0002", text=f"{fresh.code}", received_at=clock().isoformat())
    )
    assert wrong.acknowledged == []
    assert check_of(services, row.id).status == "open"  # refused
    assert "拒绝来自139****0002的回复" in check_of(services, row.id).note
    clock.advance(minutes=1)
    right = services.alerts.handle_reply(
        InboundReply(sender=f"+86{D001_PHONE}", text=f"查岗 {fresh.code}", received_at=clock().isoformat())
    )
    assert right.understood and not right.duplicate
    again = services.alerts.handle_reply(
        InboundReply(sender=f"+86{D001_PHONE}", text=f"查岗 {fresh.code}", received_at=clock().isoformat())
    )
    assert again.duplicate
    done = check_of(services, row.id)
    assert (done.status, done.answer_seconds, done.answered_by) == ("answered", 180, "d001")
    clock.advance(minutes=30)
    services.spot_checks.tick()
    assert services.alerts.search() == []


def test_a_missed_check_raises_an_incident_to_the_leader_and_the_third_a_major_one(
    make_services: Callable[..., Services], clock: FakeClock
) -> None:
    services = make_services(**checks_config(screen_per_shift=3, sms_per_shift=0, min_gap_minutes=30))
    services.duty.set_day(admin(), "duty", MONDAY, officers=["d001"], leaders=["l001"])
    services.spot_checks.tick()
    for n in range(3):
        row = at_check(services, clock, "screen")
        clock.now = row.planned_at + timedelta(minutes=4, seconds=59)
        services.spot_checks.tick()
        assert len(services.alerts.search()) == n  # still time to answer
        clock.now = row.planned_at + timedelta(minutes=5)
        services.spot_checks.tick()
        services.spot_checks.tick()  # settled once
        incidents = services.alerts.search()
        assert len(incidents) == n + 1
    by_time = sorted(incidents, key=lambda i: i.opened_at)
    assert [(i.kind, i.severity, i.site_id) for i in by_time] == [
        ("spot_check_missed", "normal", "duty"),
        ("spot_check_missed", "normal", "duty"),
        ("spot_check_missed", "major", "duty"),
    ]
    assert by_time[0].summary == "查岗未应答（屏幕，值班：张三）"
    assert by_time[2].summary == "本班第3次查岗未应答（屏幕，值班：张三）"
    # the leader on duty is told; the major one goes to the principal leader at once too
    told = messages_to(services, LEADER_PHONE)
    assert len(told) == 3 and "查岗未应答" in told[0], told
    assert any(
        "【值班提醒·重大】" in t and "本班第3次查岗未应答" in t for t in messages_to(services, "13900000009")
    )
    log = services.duty_log.log("duty", MONDAY)
    assert [c.status for c in log.spot_checks] == ["missed"] * 3
    assert log.spot_checks[0].officers == ["张三"]


def test_the_leader_on_duty_starts_a_check_from_the_phone(spot: Services, clock: FakeClock) -> None:
    services = spot
    with pytest.raises(Forbidden):
        services.spot_checks.start(leader("l002"), "duty", "screen")  # type: ignore[arg-type]
    from watchd.domain.spot_checks import Channel

    started = services.spot_checks.start(leader("l001"), "duty", Channel.sms)
    assert (started.status, started.started_by, started.texted) == ("open", "乌云", "张三 137****0001")
    assert len(messages_to(services, D001_PHONE)) == 1
    screen = services.spot_checks.start(leader("l001"), "duty", Channel.screen)
    assert [c.id for c in services.spot_checks.open_for_screen(officer("duty-screen"))] == [screen.id]


def test_a_check_without_an_officer_rostered_is_not_made(
    make_services: Callable[..., Services], clock: FakeClock
) -> None:
    services = make_services(**checks_config(screen_per_shift=1, sms_per_shift=0))
    services.spot_checks.tick()
    at_check(services, clock, "screen")
    [check] = services.spot_checks.of_shift("duty", MONDAY)
    assert (check.status, check.note) == ("skipped", "未排班")
    assert services.alerts.search() == []


def test_the_monthly_report_gives_each_officers_response_rate_and_median_answer_time(
    make_services: Callable[..., Services], clock: FakeClock
) -> None:
    services = make_services(**checks_config(screen_per_shift=2, sms_per_shift=0, min_gap_minutes=30))
    for i, who in enumerate(["d001", "d002"]):
        services.duty.set_day(admin(), "duty", MONDAY + timedelta(days=i), officers=[who], leaders=["l001"])
    answers = {0: [30, None], 1: [90, 150]}  # seconds to answer each check, None: missed
    for i in range(2):
        clock.now = start_of(MONDAY + timedelta(days=i), services) + timedelta(seconds=1)
        services.spot_checks.tick()
        for seconds in answers[i]:
            at_check(services, clock, "screen")
            [open_check] = services.spot_checks.open_for_screen(officer("duty-screen"))
            if seconds is None:
                clock.advance(minutes=5)
                services.spot_checks.tick()
                continue
            clock.advance(seconds=seconds)
            services.spot_checks.answer_on_screen(
                officer("duty-screen"), open_check.id, open_check.nonce, open_check.code
            )
    table = spot_check_table(services.spot_checks, services.db, MONDAY.replace(day=1), township="测试苏木")
    assert [c.header for c in table.columns][3:] == [
        "查岗（次）",
        "应答（次）",
        "未应答（次）",
        "查岗响应率（%）",
        "应答用时中位数",
    ]
    assert [row[1:] for row in table.rows] == [
        ["d001", "张三", 2, 1, 1, 50.0, "30秒"],
        ["d002", "李四", 2, 2, 0, 100.0, "2分00秒"],
    ]
