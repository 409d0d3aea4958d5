"""Taking responsibility: a reply of "1" or of the incident's code by SMS, or the link in the message.
Replies are matched by phone number, only to incidents that phone was told about; a reply delivered
twice counts once."""

from __future__ import annotations

import pytest

from tests.helpers.clocks import FakeClock
from tests.watchd.alerts.alerting import MakeServices, Ticker, alert_config, motion
from tests.watchd.alerts.webhook_receiver import WebhookReceiver
from watchd.alerts.notifiers.base import InboundReply
from watchd.errors import Unauthorized


def reply(clock: FakeClock, text: str, sender: str = "+86 138 0000 0003") -> InboundReply:
    return InboundReply(sender=sender, text=text, received_at=clock().isoformat())


def test_reply_1_acknowledges_everything_the_leader_was_told_and_stops_escalation(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    services = make_services(**alert_config(webhook_receiver.url))
    ticker = Ticker(services)
    a = services.alerts.record(motion(clock, "cam1")).incident_id or 0
    b = services.alerts.record(motion(clock, "cam2")).incident_id or 0
    ticker.tick()
    clock.advance(minutes=2)
    outcome = services.alerts.handle_reply(reply(clock, "1"))
    assert outcome.understood and sorted(outcome.acknowledged) == ["1001", "1002"]
    for incident in (a, b):
        view = services.alerts.get(incident).incident
        assert (view.status, view.acknowledged_by) == ("acknowledged", "乌云")
    ticker.run_for(clock, minutes=20, step_s=120)
    assert len(webhook_receiver.accepted) == 2  # the principal leader was never bothered


def test_reply_with_a_code_acknowledges_only_that_incident(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    services = make_services(**alert_config(webhook_receiver.url))
    ticker = Ticker(services)
    a = services.alerts.record(motion(clock, "cam1")).incident_id or 0
    b = services.alerts.record(motion(clock, "cam2")).incident_id or 0
    ticker.tick()
    r = reply(clock, "确认1002")
    assert services.alerts.handle_reply(r).acknowledged == ["1002"]
    assert services.alerts.handle_reply(r).duplicate  # delivered twice: counted once
    assert services.alerts.get(a).incident.status == "open"
    assert services.alerts.get(b).incident.status == "acknowledged"


def test_replies_that_cannot_acknowledge_anything(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    services = make_services(**alert_config(webhook_receiver.url))
    services.alerts.record(motion(clock))
    Ticker(services).tick()
    stranger = services.alerts.handle_reply(reply(clock, "1", sender="13900000000"))
    assert stranger.understood and stranger.acknowledged == []  # never told: cannot acknowledge
    chatter = services.alerts.handle_reply(reply(clock, "在开会，稍后回电"))
    assert not chatter.understood and chatter.acknowledged == []
    assert services.alerts.search()[0].status == "open"


def test_the_link_shows_the_incident_and_acknowledges_only_when_the_button_is_pressed(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    services = make_services(**alert_config(webhook_receiver.url))
    incident = services.alerts.record(motion(clock)).incident_id or 0
    Ticker(services).tick()
    [body] = webhook_receiver.accepted.values()
    token = body["text"].rsplit("/a/", 1)[1]
    assert len(token) == 24
    page = services.alerts.ack_page(token)
    assert [v.status for v in page.incidents] == ["open"] and page.recipient_name == "乌云"
    done = services.alerts.ack_page(token, acknowledge=True)
    assert done.acknowledged_now == ["1001"] and done.incidents[0].acknowledged_by == "乌云"
    assert services.alerts.ack_page(token, acknowledge=True).acknowledged_now == []
    assert services.alerts.get(incident).events[-1].detail == "link"


def test_tampered_and_expired_links_are_refused(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    services = make_services(**alert_config(webhook_receiver.url, link_ttl_hours=2))
    services.alerts.record(motion(clock))
    Ticker(services).tick()
    token = next(iter(webhook_receiver.accepted.values()))["text"].rsplit("/a/", 1)[1]
    forged = token[:5] + ("B" if token[5] != "B" else "C") + token[6:]
    with pytest.raises(Unauthorized) as bad:
        services.alerts.ack_page(forged)
    assert bad.value.code == "link_invalid"
    clock.advance(hours=2, minutes=2)
    with pytest.raises(Unauthorized) as old:
        services.alerts.ack_page(token)
    assert old.value.code == "link_expired"
