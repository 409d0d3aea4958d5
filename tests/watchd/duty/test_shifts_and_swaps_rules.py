"""The roster rules without a database: 24-hour shifts from the boundary, swaps applied in order,
the approval deadline, and who covers which site."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from watchd.domain.duty import (
    Assignment,
    DutyRefused,
    DutyRole,
    ShiftClock,
    Swap,
    SwapStatus,
    build_roster,
    check_day_plan,
    check_swap,
    on_duty_at,
    room_for_site,
)

ZONE = ZoneInfo("Asia/Shanghai")
CLOCK = ShiftClock(time(8, 30), ZONE)
OFFICER, LEADER = DutyRole.officer, DutyRole.leader
DAY = date(2026, 12, 1)


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=ZONE)


def test_a_shift_runs_from_the_boundary_to_the_boundary_of_the_next_day() -> None:
    assert CLOCK.span(DAY) == (local(DAY, 8, 30), local(date(2026, 12, 2), 8, 30))
    assert CLOCK.day_of(local(DAY, 8, 30)) == DAY
    assert CLOCK.day_of(local(date(2026, 12, 2), 8, 29)) == DAY  # 02:00 at night is still the 1st's shift
    assert CLOCK.day_of(local(DAY, 8, 29)) == date(2026, 11, 30)
    # The clock's zone decides, whatever zone the moment is given in.
    assert CLOCK.day_of(datetime(2026, 12, 1, 0, 29, tzinfo=UTC)) == date(2026, 11, 30)


def test_who_is_on_duty_at_a_moment_follows_the_shift_not_the_calendar_day() -> None:
    roster = build_roster(
        [Assignment("duty", DAY, OFFICER, "d001"), Assignment("duty", DAY + timedelta(days=1), OFFICER, "d002")], []
    )
    night = on_duty_at("duty", local(date(2026, 12, 2), 3), CLOCK, roster)
    assert (night.day, night.officers) == (DAY, ("d001",))
    morning = on_duty_at("duty", local(date(2026, 12, 2), 9), CLOCK, roster)
    assert morning.officers == ("d002",)


def swap(sid: int, frm: str, to: str, day: date = DAY, *, back: date | None = None, at: int = 0) -> Swap:
    return Swap(sid, "duty", day, OFFICER, frm, to, back, SwapStatus.approved,
                datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=at))


def test_approved_swaps_apply_in_the_order_they_were_approved_and_an_exchange_gives_a_shift_back() -> None:
    plan = [Assignment("duty", DAY, OFFICER, "d001"), Assignment("duty", DAY + timedelta(days=3), OFFICER, "d002")]
    exchange = swap(1, "d001", "d002", back=DAY + timedelta(days=3))
    roster = build_roster(plan, [exchange])
    assert roster.of("duty", DAY, OFFICER) == ("d002",)
    assert roster.of("duty", DAY + timedelta(days=3), OFFICER) == ("d001",)
    assert roster.planned("duty", DAY, OFFICER) == ("d001",)
    # A chain: d001 → d003 first, then d003 → d004.
    chained = build_roster(plan[:1], [swap(3, "d003", "d004", at=2), swap(2, "d001", "d003", at=1)])
    assert chained.of("duty", DAY, OFFICER) == ("d004",)
    # Pending, rejected and cancelled swaps change nothing.
    for status in (SwapStatus.pending, SwapStatus.rejected, SwapStatus.cancelled):
        other = Swap(9, "duty", DAY, OFFICER, "d001", "d003", None, status)
        assert build_roster(plan, [other]).of("duty", DAY, OFFICER) == ("d001",)


def test_a_swap_whose_person_no_longer_holds_the_shift_changes_nothing() -> None:
    # The roster was re-imported with d005 on that day after the swap d001 → d002 was approved.
    roster = build_roster([Assignment("duty", DAY, OFFICER, "d005")], [swap(1, "d001", "d002")])
    assert roster.of("duty", DAY, OFFICER) == ("d005",)


def test_a_swap_must_be_approvable_at_least_the_notice_before_the_shift() -> None:
    roster = build_roster([Assignment("duty", DAY, OFFICER, "d001")], [])
    proposal = Swap(0, "duty", DAY, OFFICER, "d001", "d002")
    notice = timedelta(days=1)
    check_swap(proposal, roster, CLOCK, notice, local(date(2026, 11, 30), 8, 30))  # exactly on the deadline
    with pytest.raises(DutyRefused) as caught:
        check_swap(proposal, roster, CLOCK, notice, local(date(2026, 11, 30), 8, 31))
    assert caught.value.code == "swap_too_late"
    assert caught.value.details["deadline"] == "2026-11-30T08:30:00+08:00"
    # For an exchange, the earlier of the two shifts counts.
    roster2 = build_roster(
        [Assignment("duty", DAY, OFFICER, "d001"), Assignment("duty", date(2026, 11, 28), OFFICER, "d002")], []
    )
    back = Swap(0, "duty", DAY, OFFICER, "d001", "d002", date(2026, 11, 28))
    with pytest.raises(DutyRefused, match="deadline was 2026-11-27T08:30"):
        check_swap(back, roster2, CLOCK, notice, local(date(2026, 11, 27), 9))


@pytest.mark.parametrize(
    ("proposal", "code"),
    [
        (Swap(0, "duty", DAY, OFFICER, "d001", "d001"), "swap_same_person"),
        (Swap(0, "duty", DAY, OFFICER, "d009", "d002"), "swap_not_on_duty"),
        (Swap(0, "duty", DAY, LEADER, "d001", "d002"), "swap_not_on_duty"),
        (Swap(0, "duty", DAY, OFFICER, "d001", "d003"), "swap_target_busy"),  # d003 leads that day
        (Swap(0, "duty", DAY, OFFICER, "d001", "d002", DAY + timedelta(days=5)), "swap_back_not_on_duty"),
        (Swap(0, "duty", DAY, OFFICER, "d001", "d002", DAY), "swap_same_day"),
    ],
)
def test_impossible_swaps_are_refused_with_the_reason(proposal: Swap, code: str) -> None:
    roster = build_roster([Assignment("duty", DAY, OFFICER, "d001"), Assignment("duty2", DAY, LEADER, "d003")], [])
    with pytest.raises(DutyRefused) as caught:
        check_swap(proposal, roster, CLOCK, timedelta(days=1), local(date(2026, 11, 1), 9))
    assert caught.value.code == code


def test_a_day_plan_may_not_name_someone_twice_or_someone_on_duty_in_another_room() -> None:
    roster = build_roster([Assignment("duty2", DAY, OFFICER, "d002")], [])
    check_day_plan("duty", DAY, ["d001"], ["l001"], roster)
    with pytest.raises(DutyRefused, match="named twice") as twice:
        check_day_plan("duty", DAY, ["d001"], ["d001"], roster)
    assert twice.value.code == "roster_person_twice"
    with pytest.raises(DutyRefused) as booked:
        check_day_plan("duty", DAY, ["d002"], [], roster)
    assert booked.value.code == "roster_double_booked" and booked.value.details["room"] == "duty2"
    check_day_plan("duty2", DAY, ["d002"], [], roster)  # re-planning the same room is fine


def test_each_site_is_covered_by_its_room_the_room_listing_it_or_the_catch_all_room() -> None:
    rooms = [("duty", ("shakeng",)), ("duty2", ()), ("duty3", ("bayan",))]
    assert room_for_site("duty3", rooms) == "duty3"
    assert room_for_site("bayan", rooms) == "duty3"
    assert room_for_site("shakeng", rooms) == "duty"
    assert room_for_site("elsewhere", rooms) == "duty2"
    assert room_for_site("elsewhere", [("duty", ("shakeng",))]) is None
