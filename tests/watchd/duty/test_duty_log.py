"""The duty log (值班日志) and the daily report: taking over and handing over at the duty-room kiosk,
the presence timeline, incidents with who acknowledged them, and notes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from tests.helpers.clocks import FakeClock
from tests.watchd.duty.conftest import admin, leader, officer
from watchd.app import Services
from watchd.domain.observations import Observation, ObservationKind
from watchd.domain.presence import DeskState
from watchd.errors import Invalid, ServiceError
from watchd.services.checkins import NewCheckin

MONDAY = date(2026, 11, 23)


def kiosk_checkin(services: Services, person: str, at: datetime) -> None:
    services.checkins.record(NewCheckin(
        key=f"kiosk-duty:{person}:{at.isoformat()}", person_id=person, device_id="kiosk-duty", occurred_at=at,
        method="kiosk_face", liveness="passed",
    ))


def test_the_log_of_a_shift_has_who_took_over_handed_over_what_happened_and_notes(
    duty_services: Services, clock: FakeClock
) -> None:
    services = duty_services
    zone = services.config.settings.zone
    services.duty.set_day(admin(), "duty", MONDAY, officers=["d001"], leaders=["l001"])
    services.duty.set_day(admin(), "duty", MONDAY + timedelta(days=1), officers=["d002"], leaders=["l002"])
    start = datetime(2026, 11, 23, 8, 30, tzinfo=zone)
    kiosk_checkin(services, "d001", start - timedelta(minutes=12))  # takes over before 08:30
    kiosk_checkin(services, "c001", start + timedelta(hours=2))  # a visitor checking in at the duty room
    recorder = services.duty_watch.recorder
    recorder.change("duty", DeskState.present, start)
    recorder.change("duty", DeskState.absent, start + timedelta(hours=3))
    recorder.change("duty", DeskState.present, start + timedelta(hours=3, minutes=25))
    recorder.check("duty", start + timedelta(hours=23, minutes=59), {"d001": 40, "?": 2})
    clock.now = start + timedelta(hours=3, minutes=10)
    opened = services.alerts.record(Observation(
        kind=ObservationKind.duty_room_unwatched, site_id="duty", subject="duty", occurred_at=clock(),
        summary="无人值守超过10分钟（值班：张三）",
    ))
    clock.advance(minutes=3)
    services.alerts.acknowledge(opened.incident_id or 0, "乌云", via="dashboard")
    clock.now = start + timedelta(hours=20)
    note = services.duty_log.add_note(officer("d001"), "duty", "凌晨巡查院内，一切正常", client_key="note-0001")
    again = services.duty_log.add_note(officer("d001"), "duty", "凌晨巡查院内，一切正常", client_key="note-0001")
    assert again.id == note.id  # a resent note is stored once
    kiosk_checkin(services, "d001", start + timedelta(hours=23, minutes=58))  # hands over
    kiosk_checkin(services, "d002", start + timedelta(days=1, minutes=-5))  # the next officer takes over
    clock.now = start + timedelta(days=1, hours=1)

    log = services.duty_log.log("duty", MONDAY)
    assert log.complete
    assert log.took_over is not None and (log.took_over.person.name, log.took_over.at) == (
        "张三", start - timedelta(minutes=12)
    )
    assert log.handed_over is not None and log.handed_over.at == start + timedelta(hours=23, minutes=58)
    assert [c.person.name for c in log.checkins] == ["张三", "其其格", "李四", "张三"]
    assert [(s.state, s.minutes) for s in log.timeline] == [
        ("present", 180.0), ("absent", 25.0), ("present", 1235.0),
    ]
    assert log.timeline[-1].faces == {"张三": 40, "未识别": 2}
    assert log.minutes == {"present": 1415.0, "absent": 25.0, "unknown": 0.0}
    [incident] = log.incidents
    assert (incident.kind, incident.acknowledged_by) == ("duty_room_unwatched", "乌云")
    assert [n.text for n in log.notes] == ["凌晨巡查院内，一切正常"]
    # The next shift: taken over by 李四 with the check-in just before 08:30.
    assert services.duty_log.log("duty", MONDAY + timedelta(days=1)).took_over.person.name == "李四"  # type: ignore[union-attr]

    report = services.duty_log.report_text("duty", MONDAY)
    assert report.splitlines()[:6] == [
        "测试苏木 苏木值班室值班日志",
        "日期：2026-11-23（08:30 至 次日 08:30）",
        "值班人员：张三",
        "带班领导：乌云",
        "接班签到：08:18 张三",
        "交班签到：次日 08:28 张三",
    ]
    assert "在岗 23 小时 35 分；离岗 25 分（最长 25 分，11:30–11:55）；无画面 0 分" in report
    assert "  11:40 苏木值班室 无人值守超过10分钟（值班：张三）（乌云 11:43 确认）" in report  # not "已确认，乌云 … 确认"
    assert report.endswith("备注（1）：\n  次日 04:30 张三：凌晨巡查院内，一切正常\n")


def test_who_may_write_in_the_log(duty_services: Services) -> None:
    with pytest.raises(ServiceError) as caught:
        duty_services.duty_log.add_note(
            type(officer("c001"))(user_id=9, username="c001", role="cadre"), "duty", "hello"
        )
    assert caught.value.status == 403
    with pytest.raises(Invalid):
        duty_services.duty_log.add_note(leader(), "duty", "   ")
    with pytest.raises(ServiceError) as unknown:
        duty_services.duty_log.add_note(leader(), "nowhere", "text")
    assert unknown.value.code == "duty_room_not_found"
