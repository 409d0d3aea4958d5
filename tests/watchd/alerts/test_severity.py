"""Severity is configuration: each kind has a default (docs/alerts.md), a site and a camera zone may
change it, and the leader gets exactly the text that severity makes. Camera kinds go through the
camera watch as the daemon reports them; the others as their producers word them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import BASE_CONFIG
from tests.helpers.clocks import FakeClock
from tests.watchd.alerts.alerting import LEADER, PRINCIPAL, SITES, MakeServices, Ticker, alert_config
from tests.watchd.alerts.webhook_receiver import WebhookReceiver
from watchd.app import Services
from watchd.domain.observations import Observation, ObservationKind
from watchd.pipeline.camera_watch.loop import LoopEvent
from watchd.pipeline.camera_watch.watch import CameraWatchService

CAMERA: dict[str, Any] = {
    "id": "cam3", "kind": "camera", "site": "shakeng", "name": "坑口东", "source": "rtsp://127.0.0.1:1/x",
    "zones": [
        {"name": "坑口", "points": [[0, 0], [0.5, 0], [0.5, 1], [0, 1]]},
        {"name": "炸药库", "points": [[0.5, 0], [1, 0], [1, 1], [0.5, 1]], "severity": "major"},
    ],
}
DUTY_ROOM = {"id": "duty", "name": "值班室", "kind": "duty_room"}
LINK = r"https://watch\.example\.cn/a/[A-Za-z0-9_-]{20,}"


def build(make_services: MakeServices, receiver: WebhookReceiver, **alerts: Any) -> tuple[Services, Ticker]:
    config = alert_config(receiver.url, **alerts)
    config["sites"] = [*SITES, DUTY_ROOM]
    services = make_services(**config, devices=[*BASE_CONFIG["devices"], CAMERA])
    return services, Ticker(services)


def camera_event(services: Services, clock: FakeClock, kind: str, **kw: Any) -> None:
    """One event start as the camera watch reports it to the incident service."""
    s = services.config.settings
    cameras = [d for d in s.devices if d.kind == "camera"]
    watch = CameraWatchService(cameras, s.camera_watch, services.db, services.config.data_dir, services.clock,
                               s.zone, observations=services.alerts)  # type: ignore[arg-type]
    watch.recorder.record(LoopEvent(camera_id="cam3", kind=kind, phase="start", key=f"cam3:{kind}:{clock().isoformat()}",  # type: ignore[arg-type]
                           media_s=0.0, at=clock(), **kw))


def without_links(phone: str, receiver: WebhookReceiver) -> list[str]:
    return [re.sub(LINK, "", t) for t in receiver.texts_to(phone)]


@dataclass(frozen=True)
class Case:
    kind: str
    text: str  # what the leader on duty reads, up to the link
    both: bool  # major: the principal leader is told at the same moment
    wait_minutes: float = 0  # the kind's grace period


CASES = [
    Case("motion", "【值班提醒】测试苏木 3号沙坑 08:30 坑口东 发现移动目标（坑口），回复1确认或打开 ", False),
    Case("tamper", "【值班提醒·重大】测试苏木 3号沙坑 08:30 坑口东 摄像机被遮挡，回复1确认或打开 ", True),
    Case("camera_offline", "【值班提醒】测试苏木 3号沙坑 08:30 坑口东 摄像机离线，回复1确认或打开 ", False, 2),
    Case("device_offline", "【值班提醒】测试苏木 巴音嘎查 08:30 设备 kiosk-bayan 离线，回复1确认或打开 ", False, 5),
    Case("duty_room_unwatched",
         "【值班提醒】测试苏木 值班室 08:30 无人值守超过30分钟（值班：乌云），回复1确认或打开 ", False),
    Case("wrong_person_on_duty",
         "【值班提醒】测试苏木 值班室 08:30 在岗非排班人员：应为乌云，实为未识别人员，回复1确认或打开 ", False),
    Case("missing_checkins", "【值班提醒】测试苏木 巴音嘎查 08:30 有人员未签到，回复1确认或打开 ", False),
]


def produce(services: Services, clock: FakeClock, kind: str) -> None:
    if kind == "motion":
        camera_event(services, clock, "motion", zones=("坑口",))
    elif kind == "tamper":
        camera_event(services, clock, "tamper", reason="covered")
    elif kind == "camera_offline":
        camera_event(services, clock, "camera_offline", detail="no picture for 30 s")
    else:
        site, subject, summary = {
            "device_offline": ("bayan", "kiosk-bayan", "设备 kiosk-bayan 离线"),
            "duty_room_unwatched": ("duty", "duty", "无人值守超过30分钟（值班：乌云）"),
            "wrong_person_on_duty": ("duty", "duty", "在岗非排班人员：应为乌云，实为未识别人员"),
            "missing_checkins": ("bayan", "bayan", ""),
        }[kind]
        services.alerts.report(Observation(kind=ObservationKind(kind), site_id=site, subject=subject,
                                           occurred_at=clock(), summary=summary))


@pytest.mark.parametrize("case", CASES, ids=[c.kind for c in CASES])
def test_each_kind_reaches_the_leader_with_its_default_severity(
    case: Case, make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    services, ticker = build(make_services, webhook_receiver)
    produce(services, clock, case.kind)
    ticker.tick()
    if case.wait_minutes:
        assert webhook_receiver.texts_to(LEADER) == []  # a device back within the grace period bothers nobody
        clock.advance(minutes=case.wait_minutes)
        ticker.tick()
    [text] = webhook_receiver.texts_to(LEADER)
    assert re.fullmatch(re.escape(case.text) + LINK, text), text
    assert without_links(PRINCIPAL, webhook_receiver) == ([case.text] if case.both else [])


def test_motion_in_a_zone_set_to_major_tells_both_leaders_at_once(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    services, ticker = build(make_services, webhook_receiver)
    camera_event(services, clock, "motion", zones=("坑口", "炸药库"))
    ticker.tick()
    text = "【值班提醒·重大】测试苏木 3号沙坑 08:30 坑口东 发现移动目标（坑口、炸药库），回复1确认或打开 "
    assert without_links(LEADER, webhook_receiver) == without_links(PRINCIPAL, webhook_receiver) == [text]


def test_a_site_and_a_kind_can_change_the_default_and_keep_the_rest_of_the_rule(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    services, ticker = build(make_services, webhook_receiver, kinds={
        "motion": {"severity_by_site": {"shakeng": "major"}},
        "tamper": {"severity": "normal"},
    })
    camera_event(services, clock, "motion", zones=("坑口",))
    ticker.tick()
    motion = "【值班提醒·重大】测试苏木 3号沙坑 08:30 坑口东 发现移动目标（坑口），回复1确认或打开 "
    assert without_links(PRINCIPAL, webhook_receiver) == [motion]
    clock.advance(minutes=1)
    camera_event(services, clock, "tamper", reason="covered")
    ticker.tick()
    assert without_links(LEADER, webhook_receiver) == [
        motion, "【值班提醒】测试苏木 3号沙坑 08:31 坑口东 摄像机被遮挡，回复1确认或打开 "
    ]
    assert without_links(PRINCIPAL, webhook_receiver) == [motion]  # the normal tamper went to the leader only
    rule = services.config.settings.alerts.rule(ObservationKind.tamper)
    assert (rule.severity, rule.resolve_on_clear, rule.resolve_quiet_minutes) == ("normal", False, 30)
