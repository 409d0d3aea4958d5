"""The roster as the office uses it, on SQLite and PostgreSQL: plan shifts, swap them (approved in
time, too late, rejected), refuse leave on a duty day unless a swap covers it, and let escalation
reach the leader the roster names."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from tests.helpers.clocks import FakeClock
from tests.watchd.duty.conftest import LEADER_PHONES, admin, leader, officer
from watchd.app import Services
from watchd.domain.duty import DutyRole
from watchd.domain.leave import LeaveKind
from watchd.domain.observations import Observation, ObservationKind
from watchd.errors import Conflict, Invalid, NotFound, ServiceError

MONDAY = date(2026, 11, 23)  # the fake clock starts at 08:30 on this day
FRIDAY = MONDAY + timedelta(days=4)


def plan(services: Services, day: date, officers: list[str], leaders: list[str], room: str = "duty") -> None:
    services.duty.set_day(admin(), room, day, officers=officers, leaders=leaders)


def officers_on(services: Services, day: date, room: str = "duty") -> list[str]:
    [shift] = services.duty.roster(day, day, room)
    return [p.name for p in shift.officers]


def test_the_roster_says_who_is_on_duty_now_with_phone_numbers(duty_services: Services, clock: FakeClock) -> None:
    plan(duty_services, MONDAY, ["d001", "d002"], ["l001"])
    plan(duty_services, MONDAY + timedelta(days=1), ["d003"], ["l002"])
    now = duty_services.duty.on_duty_now("duty")
    assert [c.name for c in now.officers] == ["张三", "李四"]
    assert now.leader is not None and (now.leader.name, now.leader.phone) == ("乌云", LEADER_PHONES["l001"])
    clock.advance(hours=23, minutes=59)  # 08:29 the next morning: still Monday's shift
    assert [c.name for c in duty_services.duty.on_duty_now("duty").officers] == ["张三", "李四"]
    clock.advance(minutes=1)
    assert [c.name for c in duty_services.duty.on_duty_now("duty").officers] == ["王五"]
    assert duty_services.duty.on_duty("d003", MONDAY + timedelta(days=1))
    assert not duty_services.duty.on_duty("d003", MONDAY)


def test_nobody_can_be_on_duty_in_two_rooms_the_same_day_and_only_admins_plan(duty_services: Services) -> None:
    plan(duty_services, MONDAY, ["d001"], ["l001"])
    with pytest.raises(Conflict) as caught:
        plan(duty_services, MONDAY, ["d001"], [], room="duty2")
    assert caught.value.code == "roster_double_booked"
    with pytest.raises(NotFound):
        plan(duty_services, MONDAY, ["nobody"], [])
    with pytest.raises(ServiceError) as forbidden:
        duty_services.duty.set_day(leader(), "duty", MONDAY, officers=["d002"], leaders=[])
    assert forbidden.value.status == 403
    assert officers_on(duty_services, MONDAY) == ["张三"]


def test_a_swap_approved_in_time_hands_the_shift_over(duty_services: Services, clock: FakeClock) -> None:
    plan(duty_services, FRIDAY, ["d001"], ["l001"])
    request = duty_services.duty.request_swap(
        officer("d001"), room_id="duty", day=FRIDAY, role=DutyRole.officer, from_person="d001", to_person="d002",
        reason="家中有事",
    )
    assert request.status == "pending" and request.status_text == "待审批"
    assert officers_on(duty_services, FRIDAY) == ["张三"]  # nothing changes before approval
    clock.advance(days=2, hours=23)  # Thursday 07:30: more than a day before Friday 08:30
    approved = duty_services.duty.decide_swap(leader("l001"), request.id, approve=True, note="同意")
    assert (approved.status, approved.decided_by) == ("approved", "l001")
    [shift] = duty_services.duty.roster(FRIDAY, FRIDAY, "duty")
    assert [p.name for p in shift.officers] == ["李四"] and [p.name for p in shift.planned_officers] == ["张三"]
    assert shift.swapped
    assert duty_services.duty.on_duty("d002", FRIDAY) and not duty_services.duty.on_duty("d001", FRIDAY)
    ical = duty_services.duty.ical(FRIDAY, FRIDAY, person_id="d002").decode()
    assert "SUMMARY:苏木值班室值班：李四" in ical and "DTSTART:20261127T003000Z" in ical
    # An exchange (换班): 王五 takes Sunday from 李四 and gives Tuesday in return.
    plan(duty_services, FRIDAY + timedelta(days=2), ["d002"], [])
    plan(duty_services, FRIDAY + timedelta(days=4), ["d003"], [])
    exchange = duty_services.duty.request_swap(
        officer("d002"), room_id="duty", day=FRIDAY + timedelta(days=2), role=DutyRole.officer,
        from_person="d002", to_person="d003", back_day=FRIDAY + timedelta(days=4),
    )
    duty_services.duty.decide_swap(leader(), exchange.id, approve=True)
    assert officers_on(duty_services, FRIDAY + timedelta(days=2)) == ["王五"]
    assert officers_on(duty_services, FRIDAY + timedelta(days=4)) == ["李四"]


def test_a_swap_approved_too_late_is_refused_and_changes_nothing(duty_services: Services, clock: FakeClock) -> None:
    plan(duty_services, FRIDAY, ["d001"], ["l001"])
    request = duty_services.duty.request_swap(
        officer("d001"), room_id="duty", day=FRIDAY, role=DutyRole.officer, from_person="d001", to_person="d002",
    )
    assert request.approve_by == datetime.fromisoformat("2026-11-26T08:30:00+08:00")
    clock.advance(days=3, minutes=1)  # Thursday 08:31: less than a day before the shift
    with pytest.raises(Invalid) as caught:
        duty_services.duty.decide_swap(leader(), request.id, approve=True)
    assert caught.value.code == "swap_too_late"
    assert caught.value.details["deadline"] == "2026-11-26T08:30:00+08:00"
    assert officers_on(duty_services, FRIDAY) == ["张三"]
    [still] = duty_services.duty.swaps(statuses=["pending"])
    assert still.id == request.id
    # Asking that late is refused at once.
    with pytest.raises(Invalid, match="approved at least 1 day"):
        duty_services.duty.request_swap(
            officer("d001"), room_id="duty", day=FRIDAY, role=DutyRole.officer, from_person="d001", to_person="d003",
        )


def test_a_rejected_swap_changes_nothing_and_cannot_be_decided_again(duty_services: Services) -> None:
    plan(duty_services, FRIDAY, ["d001"], ["l001"])
    request = duty_services.duty.request_swap(
        officer("d001"), room_id="duty", day=FRIDAY, role=DutyRole.officer, from_person="d001", to_person="d002",
    )
    rejected = duty_services.duty.decide_swap(leader(), request.id, approve=False, note="人手不足")
    assert (rejected.status, rejected.status_text, rejected.decision_note) == ("rejected", "已驳回", "人手不足")
    assert officers_on(duty_services, FRIDAY) == ["张三"]
    with pytest.raises(Conflict) as again:
        duty_services.duty.decide_swap(leader(), request.id, approve=True)
    assert again.value.code == "swap_already_decided"


def test_a_withdrawn_swap_reads_like_withdrawn_leave_and_changes_nothing(duty_services: Services) -> None:
    plan(duty_services, FRIDAY, ["d001"], ["l001"])
    request = duty_services.duty.request_swap(
        officer("d001"), room_id="duty", day=FRIDAY, role=DutyRole.officer, from_person="d001", to_person="d002",
    )
    withdrawn = duty_services.duty.cancel_swap(officer("d001"), request.id)
    assert (withdrawn.status, withdrawn.status_text) == ("cancelled", "已撤销")  # the leave pages' word too
    assert officers_on(duty_services, FRIDAY) == ["张三"]


def test_who_may_ask_and_who_may_decide(duty_services: Services) -> None:
    plan(duty_services, FRIDAY, ["d001"], ["l001"])
    with pytest.raises(ServiceError) as not_mine:
        duty_services.duty.request_swap(
            officer("d003"), room_id="duty", day=FRIDAY, role=DutyRole.officer, from_person="d001", to_person="d003",
        )
    assert not_mine.value.status == 403
    request = duty_services.duty.request_swap(
        officer("d001"), room_id="duty", day=FRIDAY, role=DutyRole.officer, from_person="d001", to_person="d002",
    )
    with pytest.raises(ServiceError) as by_officer:
        duty_services.duty.decide_swap(officer("d003"), request.id, approve=True)
    assert by_officer.value.code == "not_the_leader"
    # A leader who takes part in the swap may not approve it.
    lead_swap = duty_services.duty.request_swap(
        leader("l001"), room_id="duty", day=FRIDAY, role=DutyRole.leader, from_person="l001", to_person="l002",
    )
    with pytest.raises(ServiceError) as own:
        duty_services.duty.decide_swap(leader("l002"), lead_swap.id, approve=True)
    assert own.value.code == "not_the_leader"
    assert duty_services.duty.decide_swap(admin(), lead_swap.id, approve=True).status == "approved"


def test_leave_on_a_duty_day_is_refused_unless_a_swap_covers_it(duty_services: Services, clock: FakeClock) -> None:
    plan(duty_services, FRIDAY, ["d001"], ["l001"])
    zone = duty_services.config.settings.zone
    start = datetime(2026, 11, 27, 8, 0, tzinfo=zone)
    end = start + timedelta(hours=10)
    with pytest.raises(Conflict) as caught:
        duty_services.leave.request_leave(
            officer("d001"), person_id="d001", kind=LeaveKind.personal, start=start, end=end, reason="看病",
        )
    assert caught.value.code == "leave_overlaps_duty" and caught.value.details["days"] == ["2026-11-27"]
    swap = duty_services.duty.request_swap(
        officer("d001"), room_id="duty", day=FRIDAY, role=DutyRole.officer, from_person="d001", to_person="d002",
    )
    duty_services.duty.decide_swap(leader(), swap.id, approve=True)
    granted = duty_services.leave.request_leave(
        officer("d001"), person_id="d001", kind=LeaveKind.personal, start=start, end=end, reason="看病",
    )
    assert granted.status == "pending"
    # The person who took the shift over is now the one who cannot take leave that day.
    with pytest.raises(Conflict):
        duty_services.leave.request_leave(
            officer("d002"), person_id="d002", kind=LeaveKind.annual, start=start, end=end, reason="年休",
        )


def test_escalation_reaches_the_leader_the_roster_names_for_the_site(
    duty_services: Services, clock: FakeClock
) -> None:
    plan(duty_services, MONDAY, ["d001"], ["l002"])
    seen = Observation(
        kind=ObservationKind.motion, site_id="shakeng", subject="cam3", occurred_at=clock(), summary="发现移动目标"
    )
    outcome = duty_services.alerts.record(seen)
    assert outcome.status == "opened"
    [message] = duty_services.alerts.get(outcome.incident_id or 0).notifications
    assert (message.recipient_name, message.address) == ("其木格", LEADER_PHONES["l002"])
    on_call = duty_services.alerts.escalator.oncall.on_call("shakeng", clock())
    assert on_call.principal is not None and on_call.principal.name == "巴雅尔"  # the room's principal leader
