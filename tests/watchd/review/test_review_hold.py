"""Video verification before escalation, as the leader on duty and the duty officer live it: while
张三 is at the desk a motion event waits on the duty screen; "real" reaches 乌云 at once with the
clip link, nobody deciding for 3 minutes sends it by itself (未复核), a false alarm settles it with
no message; an empty desk, nobody on duty or a major site send at once as before. The clock is the
test's; SQLite and PostgreSQL."""

from __future__ import annotations

from tests.helpers.clocks import FakeClock
from tests.watchd.alerts.alerting import MakeServices, Ticker
from tests.watchd.alerts.webhook_receiver import WebhookReceiver
from tests.watchd.review.reviewing import LEADER, PRINCIPAL, camera_event, review_township
from watchd.app import Services
from watchd.domain.presence import DeskState


def events(services: Services, incident: int) -> list[str]:
    return [e.event for e in services.alerts.get(incident).events]


def test_a_staffed_room_holds_motion_until_the_officer_says_real_then_the_leader_is_told_at_once(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    services = review_township(make_services, webhook_receiver.url, clock)
    ticker = Ticker(services)
    outcome = services.alerts.record(camera_event(services, clock))
    assert outcome.status == "opened" and outcome.messages == 0
    ticker.run_for(clock, minutes=2, step_s=30)
    assert not webhook_receiver.accepted  # on the duty screen only
    [item] = services.alerts.review.items()
    assert item.status == "unreviewed" and item.hold == "held" and item.zones == ["坑口"]

    services.alerts.review.claim(item.id, "d001")
    done = services.alerts.review.decide(item.id, "d001", "real", "有人翻越围栏")
    assert done.status == "real" and done.decided_by == "d001"
    ticker.tick()
    [text] = webhook_receiver.texts_to(LEADER)
    assert text.startswith(
        "【值班提醒】测试苏木 3号沙坑 08:30 坑口东 发现移动目标（坑口），值班室复核属实，回复1确认或打开看录像 "
        "https://watch.example.cn/a/"
    ), text
    assert events(services, outcome.incident_id or 0) == [
        "opened",
        "review_hold",
        "review_item",
        "review_claimed",
        "review_verdict",
        "review_real",
        "notified",
    ]


def test_nobody_reviewing_within_three_minutes_sends_it_by_itself_marked_unreviewed(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    services = review_township(make_services, webhook_receiver.url, clock)
    ticker = Ticker(services)
    incident = services.alerts.record(camera_event(services, clock)).incident_id or 0
    clock.advance(minutes=2, seconds=59)
    ticker.tick()
    assert not webhook_receiver.accepted
    clock.advance(seconds=1)
    ticker.tick()
    [text] = webhook_receiver.texts_to(LEADER)
    assert "值班室未复核" in text and "打开看录像" in text, text
    assert "review_timed_out" in events(services, incident)
    [item] = services.alerts.review.items()
    assert item.status == "unreviewed"  # nothing clears by itself: the officer still owes a verdict
    # After the timeout the escalation runs as ever: the principal leader after the wait.
    clock.advance(minutes=5)
    ticker.tick()
    assert len(webhook_receiver.texts_to(PRINCIPAL)) == 1


def test_a_false_alarm_settles_the_incident_and_nobody_is_told(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    services = review_township(make_services, webhook_receiver.url, clock)
    ticker = Ticker(services)
    incident = services.alerts.record(camera_event(services, clock)).incident_id or 0
    clock.advance(seconds=40)
    services.alerts.record(camera_event(services, clock, zones=("道路",)))  # a second event, same incident
    items = services.alerts.review.items()
    assert len(items) == 2 and {i.incident_id for i in items} == {incident}
    services.alerts.review.decide(items[0].id, "d001", "false_alarm", "风吹树枝")
    assert services.alerts.get(incident).incident.status == "open"  # one event still unreviewed
    services.alerts.review.decide(items[1].id, "d001", "false_alarm")
    detail = services.alerts.get(incident)
    assert detail.incident.status == "resolved" and detail.incident.resolved_by == "d001"
    ticker.run_for(clock, minutes=20, step_s=60)
    assert not webhook_receiver.accepted
    assert events(services, incident)[-2:] == ["review_settled", "resolved"]


def test_a_claim_postpones_the_timeout_until_it_expires_and_then_the_item_is_unreviewed_again(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    services = review_township(make_services, webhook_receiver.url, clock, review={"claim_minutes": 4})
    ticker = Ticker(services)
    services.alerts.record(camera_event(services, clock))
    [item] = services.alerts.review.items()
    clock.advance(minutes=2)
    services.alerts.review.claim(item.id, "d001")  # claim until 08:36
    clock.advance(minutes=3, seconds=30)  # 08:35:30: past the 3-minute wait, inside the claim
    ticker.tick()
    assert not webhook_receiver.accepted
    clock.advance(seconds=30)
    ticker.tick()
    assert len(webhook_receiver.texts_to(LEADER)) == 1
    [after] = services.alerts.review.items()
    assert after.status == "unreviewed" and after.claimed_by is None


def test_an_empty_desk_nobody_on_duty_or_a_major_site_skip_verification(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    absent = review_township(make_services, webhook_receiver.url, clock, desk=DeskState.absent)
    outcome = absent.alerts.record(camera_event(absent, clock))
    assert outcome.messages == 1
    assert "review_skipped" in events(absent, outcome.incident_id or 0)
    assert absent.alerts.get(outcome.incident_id or 0).events[1].detail == "officer absent from the desk"
    assert len(absent.alerts.review.items()) == 1  # still on the screen to be reviewed


def test_nobody_on_duty_skips(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    services = review_township(make_services, webhook_receiver.url, clock, officers=())
    outcome = services.alerts.record(camera_event(services, clock))
    assert outcome.messages == 1
    assert services.alerts.get(outcome.incident_id or 0).events[1].detail == "nobody on duty in the room"


def test_a_major_site_skips_and_tamper_follows_the_same_rules(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    services = review_township(
        make_services,
        webhook_receiver.url,
        clock,
        kinds={"motion": {"severity_by_site": {"shakeng": "major"}}},
    )
    outcome = services.alerts.record(camera_event(services, clock))
    assert outcome.messages == 2  # both leaders at once, as before
    assert services.alerts.get(outcome.incident_id or 0).events[1].detail == "major"
    tamper = services.alerts.record(camera_event(services, clock, kind="camera_offline"))
    assert tamper.messages == 0  # camera offline is normal here: it waits for the duty room too
    assert services.alerts.get(tamper.incident_id or 0).incident.status == "open"


def test_the_policy_by_hour_can_send_nights_straight_out(
    make_services: MakeServices, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    services = review_township(
        make_services,
        webhook_receiver.url,
        clock,
        review={"windows": [{"start": "08:00", "end": "09:00", "verify": False}]},
    )
    outcome = services.alerts.record(camera_event(services, clock))  # 08:30 local
    assert outcome.messages == 1
    clock.advance(hours=1)
    services.duty_watch.recorder.check("duty", clock())
    later = services.alerts.record(camera_event(services, clock, kind="camera_offline"))  # 09:30: verified
    assert "review_hold" in events(services, later.incident_id or 0)
