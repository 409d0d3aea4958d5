"""Delivery that never loses a message and never re-sends one blindly: a flaky provider, a dead
channel (failover), a refused number, a timeout after the provider took the message, a crash in the
middle of sending, delivery receipts. Real HTTP to a fake receiver on loopback, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from tests.helpers.clocks import FakeClock
from tests.watchd.alerts.alerting import LEADER, PRINCIPAL, MakeServices, Ticker, alert_config, motion, tamper
from tests.watchd.alerts.webhook_receiver import WebhookReceiver
from watchd.alerts.notifiers.base import DeliveryReceipt
from watchd.alerts.runner import AlertRunner


def hook(channel_id: str, url: str, **kw: Any) -> dict[str, Any]:
    return {"id": channel_id, "kind": "webhook", "url": url + "/send", "status_url": url + "/status",
            "timeout_seconds": 2, **kw}


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_a_provider_failing_half_its_calls_still_gets_every_message_once(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    services = make_services(**alert_config(webhook_receiver.url, escalation={"wait_minutes": 5, "rounds": 1}))
    webhook_receiver.flaky = True
    ticker = Ticker(services)
    for i in range(10):
        services.alerts.record(motion(clock, f"cam{i}"))
    ticker.run_for(clock, minutes=8, step_s=20)
    assert len(webhook_receiver.accepted) == 20  # 10 incidents × (leader, principal)
    assert not webhook_receiver.repeats
    assert sum(webhook_receiver.posts.values()) > 20  # the refused calls were retried
    assert services.alerts.outbox_counts() == {"sent": 20}
    history = [h.outcome for n in services.alerts.notifications(limit=1000) for h in n.history]
    assert history.count("retry") >= 10 and history.count("sent") == 20


def test_a_dead_channel_fails_over_to_the_next(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    channels = [hook("primary", closed_port_url(), failover_after_seconds=120), hook("backup", webhook_receiver.url)]
    services = make_services(**alert_config(None, channels=channels))
    ticker = Ticker(services)
    incident = services.alerts.record(motion(clock)).incident_id or 0
    ticker.run_for(clock, minutes=1.5, step_s=10)
    assert webhook_receiver.accepted == {}  # still trying the primary channel
    ticker.run_for(clock, minutes=1.5, step_s=10)
    [body] = webhook_receiver.accepted.values()
    assert body["recipient"] == LEADER
    detail = services.alerts.get(incident)
    [message] = detail.notifications
    assert (message.status, message.channel_id) == ("sent", "backup")
    assert {h.channel_id for h in message.history} == {"primary", "backup"}
    assert "failover" in [e.event for e in detail.events]


def test_a_refused_number_moves_on_at_once_and_the_last_refusal_is_reported(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    with WebhookReceiver() as second:
        channels = [hook("sms", webhook_receiver.url), hook("robot", second.url)]
        services = make_services(**alert_config(None, channels=channels))
        webhook_receiver.refuse = {LEADER}
        second.refuse = {LEADER}
        incident = services.alerts.record(motion(clock)).incident_id or 0
        Ticker(services).tick()
        assert second.posts and not second.accepted
    detail = services.alerts.get(incident)
    assert [n.status for n in detail.notifications] == ["failed"]
    failed = [e for e in detail.events if e.event == "notify_failed"]
    assert failed and "乌云" in failed[0].detail


def test_timeout_after_the_provider_took_the_message_is_asked_about_not_resent(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    # A short timeout: the receiver hangs on purpose.
    services = make_services(**alert_config(None, channels=[hook("hook", webhook_receiver.url, timeout_seconds=0.5)]))
    ticker = Ticker(services)
    webhook_receiver.fail_next("hang_after_accept")
    incident = services.alerts.record(motion(clock)).incident_id or 0
    ticker.tick()
    [message] = services.alerts.get(incident).notifications
    assert message.status == "unknown" and len(webhook_receiver.accepted) == 1
    ticker.run_for(clock, minutes=1, step_s=10)
    [message] = services.alerts.get(incident).notifications
    assert message.status == "sent" and [h.action for h in message.history] == ["send", "query"]
    assert webhook_receiver.posts[message.message_id] == 1


def test_timeout_before_the_provider_took_it_is_sent_again_after_asking(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    # A short timeout: the receiver hangs on purpose.
    services = make_services(**alert_config(None, channels=[hook("hook", webhook_receiver.url, timeout_seconds=0.5)]))
    ticker = Ticker(services)
    webhook_receiver.fail_next("hang")
    incident = services.alerts.record(motion(clock)).incident_id or 0
    ticker.run_for(clock, minutes=1, step_s=10)
    [message] = services.alerts.get(incident).notifications
    assert message.status == "sent"
    assert [(h.action, h.outcome) for h in message.history] == [
        ("send", "unknown"), ("query", "retry"), ("send", "sent"),
    ]
    assert len(webhook_receiver.accepted) == 1


def test_messages_in_flight_when_the_process_died_are_sent_exactly_once(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    services = make_services(**alert_config(webhook_receiver.url))
    for i in range(4):
        services.alerts.record(motion(clock, f"cam{i}"))
    services.alerts.record(tamper(clock))  # to both leaders
    crashed = AlertRunner(services.alerts)
    assert crashed.hold_lease(clock())
    jobs = services.alerts.outbox.claim(clock(), limit=10)
    assert len(jobs) == 6
    # The process sends half of them, then dies before recording any answer.
    async def send_some() -> None:
        channel = services.alerts.build_notifiers()["hook"]
        for job in jobs[:3]:
            await channel.send(job.message)
        await channel.close()

    asyncio.run(send_some())
    assert len(webhook_receiver.accepted) == 3 and services.alerts.outbox_counts() == {"sending": 6}

    restarted = make_services(**alert_config(webhook_receiver.url))  # a new process, same database
    ticker = Ticker(restarted)
    assert ticker.tick() is False  # the dead process's lease has not expired yet
    clock.advance(seconds=31)
    ticker.run_for(clock, minutes=1, step_s=5)
    assert len(webhook_receiver.accepted) == 6
    assert not webhook_receiver.repeats
    assert restarted.alerts.outbox_counts() == {"sent": 6}
    outcomes = sorted(
        tuple(h.outcome for h in n.history if h.action != "receipt") for n in restarted.alerts.notifications()
    )
    assert outcomes == [("interrupted", "retry", "sent")] * 3 + [("interrupted", "sent")] * 3


def test_delivery_receipts_settle_messages_and_an_undelivered_one_fails_over(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    with WebhookReceiver() as second:
        channels = [hook("sms", webhook_receiver.url), hook("backup", second.url)]
        services = make_services(**alert_config(None, channels=channels))
        ticker = Ticker(services)
        services.alerts.record(tamper(clock))
        ticker.tick()
        by_phone = {b["recipient"]: m for m, b in webhook_receiver.accepted.items()}
        assert services.alerts.handle_receipt("sms", DeliveryReceipt(message_id=by_phone[LEADER], delivered=True))
        assert services.alerts.handle_receipt(
            "sms", DeliveryReceipt(provider_id=webhook_receiver.accepted[by_phone[PRINCIPAL]]["_id"], delivered=False,
                                   detail="UNDELIV")
        )
        assert not services.alerts.handle_receipt("sms", DeliveryReceipt(message_id="wd-not-ours", delivered=True))
        ticker.tick()
        assert [b["recipient"] for b in second.accepted.values()] == [PRINCIPAL]
    statuses = {n.recipient_name: (n.status, n.channel_id) for n in services.alerts.notifications()}
    assert statuses == {"乌云": ("delivered", "sms"), "巴雅尔": ("sent", "backup")}
