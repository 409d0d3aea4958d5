"""Observations become incidents: one per dedup key while unresolved, repeats counted and not
re-notified, cleared conditions resolved, replays ignored, flapping devices quiet, and the first
message written in the same transaction as the incident (it is in the outbox before any sender runs)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from tests.helpers.clocks import FakeClock
from tests.watchd.alerts.alerting import MakeServices, Ticker, alert_config, motion, offline
from tests.watchd.alerts.webhook_receiver import WebhookReceiver


def test_repeats_are_counted_on_one_incident_and_notified_once(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    services = make_services(**alert_config(webhook_receiver.url))
    first = services.alerts.record(motion(clock))
    assert (first.status, first.messages) == ("opened", 1)
    # Written with the incident: the message waits in the outbox although nothing was sent yet.
    assert services.alerts.outbox_counts() == {"pending": 1}
    for _ in range(5):
        clock.advance(seconds=20)
        again = services.alerts.record(motion(clock))
        assert (again.status, again.incident_id, again.messages) == ("repeat", first.incident_id, 0)
    Ticker(services).tick()
    assert len(webhook_receiver.accepted) == 1
    [view] = services.alerts.search(statuses=["open"])
    assert (view.count, view.site_name, view.code) == (6, "3号沙坑", "1001")
    assert view.last_seen_at == clock()


def test_a_replayed_observation_changes_nothing(make_services: MakeServices, clock: FakeClock) -> None:
    services = make_services(**alert_config(None))
    obs = motion(clock)
    assert services.alerts.record(obs).status == "opened"
    assert services.alerts.record(obs).status == "duplicate"
    assert services.alerts.search()[0].count == 1
    assert services.alerts.outbox_counts() == {"pending": 1}


def test_condition_that_clears_resolves_the_incident_and_the_next_one_opens_anew(
    make_services: MakeServices, clock: FakeClock
) -> None:
    services = make_services(**alert_config(None, kinds={"device_offline": {"delay_minutes": 0}}))
    opened = services.alerts.record(offline(clock))
    assert opened.messages == 1
    clock.advance(minutes=3)
    assert services.alerts.record(offline(clock, active=False)).status == "resolved"
    detail = services.alerts.get(opened.incident_id or 0)
    assert (detail.incident.status, detail.incident.resolved_by) == ("resolved", "system")
    assert [n.status for n in detail.notifications] == ["cancelled"]  # never sent: nobody needs it now
    clock.advance(minutes=1)
    again = services.alerts.record(offline(clock))
    assert again.status == "opened" and again.incident_id != opened.incident_id


def test_a_stale_clear_does_not_resolve_a_newer_occurrence(make_services: MakeServices, clock: FakeClock) -> None:
    services = make_services(**alert_config(None))
    services.alerts.record(offline(clock))
    late_clear = offline(clock, active=False)
    clock.advance(minutes=2)
    services.alerts.record(offline(clock))
    assert services.alerts.record(late_clear).status == "ignored"  # it came in after the newer outage
    assert services.alerts.search()[0].status == "open"


def test_device_back_within_the_grace_period_bothers_nobody(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    services = make_services(**alert_config(webhook_receiver.url))  # device_offline: 5 minutes' grace
    ticker = Ticker(services)
    assert services.alerts.record(offline(clock)).messages == 0
    ticker.run_for(clock, minutes=4, step_s=60)
    services.alerts.record(offline(clock, active=False))
    ticker.run_for(clock, minutes=10, step_s=120)
    assert webhook_receiver.accepted == {}
    # Still down after the grace period: the leader hears of it.
    services.alerts.record(offline(clock))
    ticker.run_for(clock, minutes=5, step_s=60)
    [text] = [b["text"] for b in webhook_receiver.accepted.values()]
    assert "巴音嘎查" in text and "设备离线" in text


def test_incidents_of_kinds_set_not_to_notify_are_only_recorded(make_services: MakeServices, clock: FakeClock) -> None:
    services = make_services(**alert_config(None, kinds={"motion": {"notify": False}}))
    assert services.alerts.record(motion(clock)).messages == 0
    assert services.alerts.search()[0].status == "open" and services.alerts.outbox_counts() == {}


def test_acknowledged_motion_resolves_after_a_quiet_half_hour(make_services: MakeServices, clock: FakeClock) -> None:
    services = make_services(**alert_config(None))
    ticker = Ticker(services)
    incident = services.alerts.record(motion(clock)).incident_id or 0
    services.alerts.acknowledge(incident, "乌云")
    clock.advance(minutes=20)
    services.alerts.record(motion(clock))  # still moving: counted, stays acknowledged
    clock.advance(minutes=29)
    ticker.tick()
    assert services.alerts.get(incident).incident.status == "acknowledged"
    clock.advance(minutes=1)
    ticker.tick()
    assert services.alerts.get(incident).incident.status == "resolved"


def test_an_unacknowledged_incident_never_resolves_by_silence(make_services: MakeServices, clock: FakeClock) -> None:
    services = make_services(**alert_config(None))
    incident = services.alerts.record(motion(clock)).incident_id or 0
    clock.advance(hours=5)
    Ticker(services).tick()
    assert services.alerts.get(incident).incident.status == "open"


def test_manual_resolve_and_acknowledge_are_idempotent(make_services: MakeServices, clock: FakeClock) -> None:
    services = make_services(**alert_config(None))
    incident = services.alerts.record(motion(clock)).incident_id or 0
    assert services.alerts.acknowledge(incident, "乌云").acknowledged_by == "乌云"
    assert services.alerts.acknowledge(incident, "巴雅尔").acknowledged_by == "乌云"
    clock.advance(minutes=1)
    resolved = services.alerts.resolve(incident, "admin", "巡查无异常")
    assert (resolved.status, resolved.resolved_by) == ("resolved", "admin")
    assert services.alerts.resolve(incident, "other").resolved_by == "admin"
    assert services.alerts.get(incident).events[-1].detail == "巡查无异常"


def test_old_resolved_incidents_are_purged(make_services: MakeServices, clock: FakeClock) -> None:
    services = make_services(**alert_config(None, keep_days=7))
    ticker = Ticker(services)
    old = services.alerts.record(motion(clock, "cam1")).incident_id or 0
    ticker.tick()
    services.alerts.resolve(old, "admin")
    clock.advance(days=6)
    recent = services.alerts.record(motion(clock, "cam2")).incident_id or 0
    ticker.tick()
    clock.advance(days=1, hours=1)
    ticker.tick()
    assert [v.id for v in services.alerts.search()] == [recent]
    kept = {n.id for n in services.alerts.notifications()}
    assert kept and kept == {n.id for n in services.alerts.get(recent).notifications}


def test_concurrent_reports_of_one_condition_make_one_incident(make_services: MakeServices, clock: FakeClock) -> None:
    services = make_services(**alert_config(None))
    start = clock()

    def report(i: int) -> str:
        return services.alerts.record(motion(clock, at=start + timedelta(seconds=i))).status

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(report, range(24)))
    assert statuses.count("opened") == 1 and statuses.count("repeat") == 23
    [incident] = services.alerts.search()
    assert incident.count == 24
    assert services.alerts.outbox_counts() == {"pending": 1}


def test_motion_starting_and_stopping_stays_one_incident_until_someone_looks(
    make_services: MakeServices, clock: FakeClock
) -> None:
    services = make_services(**alert_config(None))
    for _ in range(3):  # a camera reports each motion event's start and its end
        services.alerts.record(motion(clock))
        clock.advance(seconds=8)
        assert services.alerts.record(motion(clock, active=False)).status == "ignored"
        clock.advance(seconds=30)
    [incident] = services.alerts.search()
    assert (incident.status, incident.count) == ("open", 3)
    assert services.alerts.outbox_counts() == {"pending": 1}
