"""Escalation as a leader lives it: the leader on duty first, the principal leader when nobody
answers, round after round until someone takes responsibility; major incidents reach both at once.
Runs on SQLite and PostgreSQL with the test's clock and a fake webhook receiver on loopback."""

from __future__ import annotations

from tests.helpers.clocks import FakeClock
from tests.watchd.alerts.alerting import (
    LEADER,
    PRINCIPAL,
    MakeServices,
    Ticker,
    alert_config,
    motion,
    recipients,
    tamper,
)
from tests.watchd.alerts.webhook_receiver import WebhookReceiver


def test_unanswered_incident_climbs_the_chain_and_stops_when_acknowledged(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    services = make_services(**alert_config(webhook_receiver.url, escalation={"wait_minutes": 5, "rounds": 3}))
    ticker = Ticker(services)
    outcome = services.alerts.record(motion(clock))
    assert outcome.status == "opened" and outcome.messages == 1
    ticker.tick()
    [text] = webhook_receiver.texts_to(LEADER)
    assert text.startswith("【值班提醒】测试苏木 3号沙坑 08:30 发现移动目标，回复1确认或打开 https://watch.example.cn/a/")
    assert webhook_receiver.texts_to(PRINCIPAL) == []

    clock.advance(minutes=4, seconds=59)
    ticker.tick()
    assert webhook_receiver.texts_to(PRINCIPAL) == []  # not yet
    clock.advance(seconds=1)
    ticker.tick()
    [up] = webhook_receiver.texts_to(PRINCIPAL)
    assert "【值班提醒·升级】" in up and "带班领导未确认" in up

    clock.advance(minutes=5)
    ticker.tick()
    assert len(webhook_receiver.texts_to(LEADER)) == 2
    assert any("第2次" in t for t in webhook_receiver.texts_to(LEADER))

    services.alerts.acknowledge(outcome.incident_id or 0, "乌云", via="dashboard")
    ticker.run_for(clock, minutes=60, step_s=150)
    assert len(webhook_receiver.accepted) == 3  # nothing after the acknowledgement
    events = [(e.event, e.actor) for e in services.alerts.get(outcome.incident_id or 0).events]
    assert events == [
        ("opened", ""), ("notified", ""), ("escalated", ""), ("escalated", ""), ("acknowledged", "乌云"),
        ("resolved", "system"),  # motion: quiet for 30 minutes after the acknowledgement
    ]


def test_escalation_ends_after_the_configured_rounds(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    services = make_services(**alert_config(webhook_receiver.url, escalation={"wait_minutes": 2, "rounds": 2}))
    ticker = Ticker(services)
    incident = services.alerts.record(motion(clock)).incident_id or 0
    ticker.run_for(clock, minutes=12, step_s=40)
    assert [name for name, _ in recipients(services, incident)] == ["乌云", "巴雅尔", "乌云", "巴雅尔"]
    assert {status for _, status in recipients(services, incident)} == {"sent"}
    detail = services.alerts.get(incident)
    assert detail.incident.status == "open" and detail.incident.next_step_at is None
    assert detail.events[-1].event == "escalation_ended"


def test_major_incident_reaches_both_leaders_at_once(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    services = make_services(**alert_config(webhook_receiver.url))
    ticker = Ticker(services)
    services.alerts.record(tamper(clock))
    ticker.tick()
    for phone in (LEADER, PRINCIPAL):
        [text] = webhook_receiver.texts_to(phone)
        assert text.startswith("【值班提醒·重大】测试苏木 3号沙坑 08:30 摄像头被遮挡或移动")


def test_incident_turning_major_tells_both_leaders_again_at_once(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    services = make_services(**alert_config(webhook_receiver.url))
    ticker = Ticker(services)
    first = motion(clock)
    incident = services.alerts.record(first).incident_id or 0
    ticker.tick()
    clock.advance(minutes=1)
    from watchd.domain.observations import Severity

    outcome = services.alerts.record(motion(clock, severity=Severity.major, summary="发现多人翻越围栏"))
    assert outcome.status == "repeat" and outcome.messages == 2
    ticker.tick()
    assert len(webhook_receiver.texts_to(LEADER)) == 2 and len(webhook_receiver.texts_to(PRINCIPAL)) == 1
    assert "【值班提醒·重大】" in webhook_receiver.texts_to(PRINCIPAL)[0]
    assert services.alerts.get(incident).incident.severity == "major"


def test_config_change_does_not_alter_a_running_escalation(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    """The policy is frozen on the incident when it opens."""
    services = make_services(**alert_config(webhook_receiver.url, escalation={"wait_minutes": 5, "rounds": 1}))
    incident = services.alerts.record(motion(clock)).incident_id or 0
    Ticker(services).tick()
    services.close()
    changed = make_services(**alert_config(webhook_receiver.url, escalation={"wait_minutes": 30, "rounds": 5}))
    clock.advance(minutes=5, seconds=30)  # the old lease has expired too
    Ticker(changed).run_for(clock, minutes=30, step_s=60)
    assert [name for name, _ in recipients(changed, incident)] == ["乌云", "巴雅尔"]
    assert changed.alerts.get(incident).incident.next_step_at is None


def test_nobody_on_call_is_visible_on_the_incident(make_services: MakeServices, clock: FakeClock) -> None:
    services = make_services(**alert_config(None, on_call=[{"sites": ["bayan"], "leader": "l001", "principal": "p001"}]))
    incident = services.alerts.record(motion(clock)).incident_id or 0
    detail = services.alerts.get(incident)
    assert [(e.event, e.detail) for e in detail.events] == [
        ("opened", "motion normal"), ("no_recipient", "leader: nobody on call with a phone"),
    ]
    assert detail.notifications == []


def test_a_group_channel_gets_each_new_incident_once(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    with WebhookReceiver() as group:
        channels = [
            {"id": "sms", "kind": "webhook", "url": webhook_receiver.send_url},
            {"id": "duty-group", "kind": "webhook", "url": group.send_url, "audience": "group"},
        ]
        services = make_services(**alert_config(None, channels=channels))
        ticker = Ticker(services)
        incident = services.alerts.record(motion(clock)).incident_id or 0
        ticker.run_for(clock, minutes=12, step_s=60)
        [post] = group.accepted.values()
        assert post["recipient"] == "group:duty-group"
        assert "3号沙坑 08:30 发现移动目标" in post["text"] and "回复1" not in post["text"]
        assert len(webhook_receiver.accepted) == 3  # the leaders' chain runs as usual
        page = services.alerts.ack_page(post["text"].rsplit("/a/", 1)[1].split()[0], acknowledge=True)
        assert page.acknowledged_now == ["1001"]
        assert services.alerts.get(incident).incident.acknowledged_by == "群 duty-group"
