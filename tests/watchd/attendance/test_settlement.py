"""Settlement on SQLite and PostgreSQL: finished days are settled once the devices have reported,
late uploads and approvals correct settled days, impossible device times are set aside."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest

from tests.helpers.clocks import FakeClock
from tests.helpers.sinks import Notices
from tests.watchd.attendance.conftest import (
    ADMIN,
    ATTENDANCE,
    LEADER,
    PEOPLE,
    Township,
    as_user,
    local,
)
from watchd.app import Services
from watchd.domain.leave import LeaveKind
from watchd.domain.notices import NoticeKind
from watchd.errors import Conflict, ServiceError
from watchd.services.attendance import AttendanceService
from watchd.services.leave import LeaveService

MONDAY, TUESDAY, WEDNESDAY = date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)
FULL_DAY = ("08:28", "12:01", "14:29", "18:02")


def test_late_upload_after_settlement_turns_absent_into_present(township: Township) -> None:
    t = township
    t.at(TUESDAY, "01:00")
    assert t.services.attendance.settle().settled == [MONDAY]
    assert t.day_of("c001", MONDAY).status == "absent"

    # Wednesday: the village kiosk was offline; Monday's check-ins arrive now.
    t.at(WEDNESDAY, "10:00")
    for hhmm in FULL_DAY:
        t.punch("c001", MONDAY, hhmm)
    t.clock.advance(minutes=2)
    report = t.services.attendance.settle()
    assert report.corrected == 1
    monday = t.day_of("c001", MONDAY)
    assert (monday.status, monday.settled, monday.village_site_id) == ("present", True, "bayan")
    # Running settlement again changes nothing: the corrections cursor has moved on.
    assert t.services.attendance.settle().corrected == 0


def test_day_waits_for_a_kiosk_with_queued_check_ins_then_settles_complete(township: Township) -> None:
    t = township
    t.at(MONDAY, "20:00")  # the kiosk says: I still hold check-ins captured since 08:00
    t.services.attendance.device_synced("kiosk-bayan", pending_since=local(MONDAY, "08:00"))
    t.at(TUESDAY, "01:00")
    report = t.services.attendance.settle()
    assert (report.settled, report.waiting_for) == ([], ["kiosk-bayan"])
    assert t.services.attendance.daily(MONDAY).settled is False

    t.at(TUESDAY, "07:00")  # back online: the queue drains, then the kiosk reports an empty queue
    for hhmm in FULL_DAY:
        t.punch("c001", MONDAY, hhmm)
    t.services.attendance.device_synced("kiosk-bayan", pending_since=None)
    report = t.services.attendance.settle()
    assert (report.settled, report.provisional) == ([MONDAY], [])
    assert t.day_of("c001", MONDAY).status == "present"


def test_a_silent_device_holds_a_day_up_only_until_the_longest_wait(township: Township) -> None:
    t = township
    t.at(MONDAY, "09:00")
    t.services.attendance.device_synced("kiosk-hure", pending_since=None)  # then it goes quiet
    t.at(TUESDAY, "23:00")
    assert t.services.attendance.settle().waiting_for == ["kiosk-hure"]
    t.at(WEDNESDAY, "00:01")  # 24 hours after Monday ended
    report = t.services.attendance.settle()
    assert report.provisional == [MONDAY]
    assert t.services.attendance.daily(MONDAY).provisional


def test_punch_with_a_device_clock_far_off_is_set_aside_and_listed(township: Township) -> None:
    t = township
    t.at(MONDAY, "08:31")
    t.punch("c002", date(2000, 1, 1), "08:31", device="kiosk-hure")  # the terminal's clock was reset
    t.punch("c002", date(2031, 5, 1), "08:31", device="kiosk-hure")  # ... and later ran years ahead
    t.at(TUESDAY, "01:00")
    report = t.services.attendance.settle()
    assert report.suspects == 2
    monday = t.day_of("c002", MONDAY)
    assert (monday.status, monday.suspect_punches) == ("absent", 2)
    assert {s.problem for s in t.services.attendance.daily(MONDAY).suspects} == {"clock_behind", "clock_ahead"}


def test_approved_leave_excuses_the_day_and_pending_leave_does_not(township: Township) -> None:
    t = township
    t.at(MONDAY, "07:00")
    request = t.services.leave.request_leave(
        as_user("c002"), person_id="c002", kind=LeaveKind.sick, start=local(MONDAY, "00:00"),
        end=local(TUESDAY, "00:00"), reason="发烧",
    )
    t.at(TUESDAY, "01:00")
    t.services.attendance.settle()
    assert t.day_of("c002", MONDAY).status == "absent"  # not approved yet

    t.at(TUESDAY, "09:00")
    with pytest.raises(ServiceError) as refused:
        t.services.leave.decide_leave(as_user("c001"), request.id, approve=True)
    assert refused.value.code == "not_the_leader"
    t.services.leave.decide_leave(LEADER, request.id, approve=True)
    monday = t.day_of("c002", MONDAY)
    assert (monday.status, monday.leave) == ("leave", {"sick": 1.0})
    with pytest.raises(Conflict):
        t.services.leave.decide_leave(LEADER, request.id, approve=False)


class FakeDutyRoster:
    """Fake DutyCalendar: who holds a 24-hour duty shift starting on which day."""

    def __init__(self, shifts: set[tuple[str, date]]) -> None:
        self.shifts = shifts

    def on_duty(self, person_id: str, day: date) -> bool:
        return (person_id, day) in self.shifts


def test_leave_over_a_duty_shift_is_refused_until_a_swap_covers_it(township: Township) -> None:
    t = township
    roster = FakeDutyRoster({("c001", WEDNESDAY)})
    attendance = AttendanceService(t.services.db, t.services.config.settings, t.clock, duty=roster)
    leave = LeaveService(t.services.db, attendance, t.clock, duty=roster)
    t.at(MONDAY, "10:00")
    with pytest.raises(Conflict) as refused:
        leave.request_leave(as_user("c001"), person_id="c001", kind=LeaveKind.annual,
                            start=local(TUESDAY, "00:00"), end=local(date(2026, 11, 27), "00:00"), reason="探亲")
    assert (refused.value.code, refused.value.details["days"]) == ("leave_overlaps_duty", ["2026-11-25"])
    roster.shifts.discard(("c001", WEDNESDAY))  # a swap hands Wednesday's shift to someone else
    leave.request_leave(as_user("c001"), person_id="c001", kind=LeaveKind.annual,
                        start=local(TUESDAY, "00:00"), end=local(date(2026, 11, 27), "00:00"), reason="探亲")


def test_duty_day_and_the_rest_day_after_it_are_not_absences(township: Township) -> None:
    t = township
    attendance = AttendanceService(
        t.services.db, t.services.config.settings, t.clock, duty=FakeDutyRoster({("c002", MONDAY)})
    )
    t.at(WEDNESDAY, "01:00")
    days = {(r.person_id, r.day): r.status for r in attendance.evaluate(MONDAY, TUESDAY)}
    assert days[("c002", MONDAY)] == "on_duty"
    assert days[("c002", TUESDAY)] == "duty_rest"
    assert days[("c001", TUESDAY)] == "absent"


def test_make_up_punch_fills_a_missing_check_out_after_approval_within_the_monthly_cap(township: Township) -> None:
    t = township
    t.at(MONDAY, "08:30")
    for hhmm in ("08:29", "14:29", "18:02"):  # forgot to punch out at noon
        t.punch("c001", MONDAY, hhmm)
    t.at(TUESDAY, "01:00")
    t.services.attendance.settle()
    assert t.day_of("c001", MONDAY).missing_punches == 1
    t.at(TUESDAY, "09:00")
    first = t.services.leave.request_makeup(
        as_user("c001"), person_id="c001", at=local(MONDAY, "12:00"), site_id="bayan", reason="签到机故障"
    )
    second = t.services.leave.request_makeup(as_user("c001"), person_id="c001", at=local(MONDAY, "08:00"),
                                             site_id=None, reason="忘记")
    resent = t.services.leave.request_makeup(as_user("c001"), person_id="c001", at=local(MONDAY, "08:00"),
                                             site_id=None, reason="忘记")
    assert resent.id == second.id  # a resend is not a new request and does not use up the cap
    with pytest.raises(Conflict) as capped:
        t.services.leave.request_makeup(as_user("c001"), person_id="c001", at=local(MONDAY, "07:00"),
                                        site_id=None, reason="忘记")
    assert capped.value.code == "makeup_cap_reached"
    t.services.leave.decide_makeup(LEADER, first.id, approve=True)
    assert t.day_of("c001", MONDAY).missing_punches == 0


def test_calendar_override_re_settles_the_day(township: Township) -> None:
    t = township
    t.at(TUESDAY, "01:00")
    t.services.attendance.settle()
    assert t.day_of("c002", MONDAY).status == "absent"
    t.services.attendance.set_override(MONDAY, workday=False, name="那达慕", by="admin")
    assert t.day_of("c002", MONDAY).status == "holiday"
    t.services.attendance.remove_override(MONDAY)
    assert t.day_of("c002", MONDAY).status == "absent"


def test_missing_holiday_data_is_reported_loudly_and_cleared_by_overrides(township: Township) -> None:
    t = township
    sink = Notices()
    attendance = AttendanceService(t.services.db, t.services.config.settings, t.clock, notices=sink)
    t.clock.now = datetime(2098, 12, 1, 9, 0, tzinfo=local(MONDAY, "00:00").tzinfo)
    assert attendance.check_calendar() == [2098, 2099]  # this year, and from December the next one
    alarm = next(o for o in sink.seen if o.subject == "2099")
    assert (alarm.kind, alarm.active) == (NoticeKind.calendar_missing, True)
    assert "/reports" in alarm.text and "国务院办公厅" in alarm.text and "chinesecalendar" not in alarm.text
    for year in (2098, 2099):  # the administrator enters the State Council's holidays
        attendance.set_override(date(year, 1, 1), workday=False, name="元旦", by=ADMIN.username)
    assert attendance.check_calendar() == []
    assert [o.active for o in sink.seen if o.subject == "2099"] == [True, False]


def test_missing_holiday_data_is_a_notice_not_an_incident(township: Township) -> None:
    """The office sees a notice for the administrator; no incident opens and no leader is texted."""
    t = township
    t.clock.now = datetime(2098, 12, 1, 9, 0, tzinfo=local(MONDAY, "00:00").tzinfo)
    t.services.attendance.check_calendar()
    assert {(n.kind, n.subject) for n in t.services.notices.active()} >= {("calendar_missing", "2099")}
    assert t.services.alerts.search(limit=10) == []
    assert t.services.alerts.notifications() == []


def test_nothing_is_settled_before_the_day_is_over(township: Township) -> None:
    t = township
    t.at(MONDAY, "23:59")
    assert t.services.attendance.settle().settled == []
    t.at(TUESDAY, "00:10")  # within the 30-minute settlement delay
    assert t.services.attendance.settle().settled == []
    t.at(TUESDAY, "00:31")
    assert t.services.attendance.settle().settled == [MONDAY]
    assert t.services.attendance.settle().settled == []  # idempotent


def test_a_terminal_holds_the_day_until_its_last_contact_passes_the_end(
    make_services: Callable[..., Services], clock: FakeClock
) -> None:
    """A vendor terminal's last contact (kept by the terminal ingest) is its watermark."""
    clock.now = local(MONDAY, "00:00")
    devices = [{"id": "kiosk-bayan", "kind": "kiosk_web", "site": "bayan"},
               {"id": "term-office", "kind": "fake_terminal", "site": "office"}]
    t = Township(make_services(people=PEOPLE, attendance=ATTENDANCE, devices=devices), clock)
    t.at(MONDAY, "17:00")
    t.services.punches.device_contact("term-office", timeout_s=300)  # then the line to the office drops
    t.at(TUESDAY, "01:00")
    assert t.services.attendance.settle().waiting_for == ["term-office"]
    t.at(TUESDAY, "06:00")
    t.services.punches.device_contact("term-office", timeout_s=300)  # back: it has delivered its backlog
    assert t.services.attendance.settle().settled == [MONDAY]
