"""Flood control: a burst of motion across many cameras becomes a handful of messages with counts,
and no recipient gets more than the per-recipient limits allow."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

from tests.helpers.clocks import FakeClock
from tests.watchd.alerts.alerting import LEADER, PRINCIPAL, MakeServices, Ticker, alert_config, motion
from tests.watchd.alerts.webhook_receiver import WebhookReceiver

LIMITS = {"windows": [{"minutes": 1, "max": 1}, {"minutes": 10, "max": 3}, {"minutes": 60, "max": 10}]}


def test_two_hundred_motion_events_in_ten_minutes_become_a_handful_of_messages(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    services = make_services(
        **alert_config(webhook_receiver.url, throttle=LIMITS, escalation={"wait_minutes": 5, "rounds": 1})
    )
    ticker = Ticker(services)
    start = clock()
    for i in range(200):  # 8 cameras, one event every 3 seconds
        clock.now = start + timedelta(seconds=3 * i)
        services.alerts.record(motion(clock, f"cam{i % 8}"))
        if i % 10 == 0:
            ticker.tick()
    ticker.run_for(clock, minutes=20, step_s=30)

    leader, principal = webhook_receiver.texts_to(LEADER), webhook_receiver.texts_to(PRINCIPAL)
    assert len(webhook_receiver.accepted) <= 5 and len(leader) == 2 and 1 <= len(principal) <= 3
    incidents = services.alerts.search()
    assert len(incidents) == 8 and sum(i.count for i in incidents) == 200
    # The first camera is reported alone at once, the other seven a minute later in one summary.
    assert leader[0].startswith("【值班提醒】测试苏木 3号沙坑 08:30 发现移动目标，回复1确认")
    assert re.match(r"【值班提醒】测试苏木 08:30起 7起警情待确认：3号沙坑 发现移动目标7处共\d+次，回复1全部确认或打开 https://", leader[1])
    # Every incident reached the principal leader too, alone or counted in a summary.
    told = sum(int(m.group(1)) for m in (re.search(r"(\d+)起警情", t) for t in principal) if m)
    assert told + sum(1 for t in principal if "起警情" not in t) == 8
    sent_times = sorted(
        n.sent_at for n in services.alerts.notifications(statuses=["sent"]) if n.recipient_name == "乌云" and n.sent_at
    )
    assert all(b - a >= timedelta(minutes=1) for a, b in itertools.pairwise(sent_times))


def test_messages_held_back_for_an_acknowledged_incident_are_dropped(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    services = make_services(**alert_config(webhook_receiver.url, throttle=LIMITS))
    ticker = Ticker(services)
    first = services.alerts.record(motion(clock, "cam1")).incident_id or 0
    ticker.tick()
    second = services.alerts.record(motion(clock, "cam2")).incident_id or 0
    ticker.tick()  # over the one-a-minute limit: waits
    services.alerts.acknowledge(second, "乌云")
    clock.advance(minutes=1)
    ticker.tick()
    assert len(webhook_receiver.texts_to(LEADER)) == 1
    assert [n.status for n in services.alerts.get(second).notifications] == ["cancelled"]
    assert [n.status for n in services.alerts.get(first).notifications] == ["sent"]
