"""Visit reminders and the leader's monthly list reach phones through the alert outbox: the scheduled
job on the configured day, one SMS per cadre with unvisited households and none for a re-run, the
leader's list on the 1st, a provider failing the first try, a reminder never merged into (nor ahead
of) an alarm, and a failure while queueing that loses nothing.

Real SMS requests to the fake Aliyun gateway (signature checked) or the fake webhook receiver on
loopback, on SQLite and PostgreSQL; the alert runner is ticked by hand on the test's clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.fakes.aliyun_server import FakeAliyunSms
from tests.helpers.clocks import FakeClock
from tests.watchd.alerts.alerting import Ticker, motion
from tests.watchd.alerts.webhook_receiver import WebhookReceiver
from tests.watchd.attendance.conftest import ADMIN, ORG, Township, local
from watchd.alerts.notifiers.base import InboundReply
from watchd.app import Services
from watchd.scheduling import JobRunner, attendance_jobs, lock_for
from watchd.services.visits import NewVisit, OutboxReminders, ReminderMessage, ReminderSink, VisitService

QIQIGE, BATER, LEADER, PRINCIPAL = "13800000001", "13800000002", "13800000003", "13800000004"
PEOPLE: list[dict[str, Any]] = [
    {"id": "c001", "name": "其其格", "role": "cadre", "organisation": ORG, "villages": ["bayan"], "phone": QIQIGE},
    {"id": "c002", "name": "巴特尔", "role": "cadre", "organisation": ORG, "villages": ["hure"], "phone": BATER},
    {"id": "c003", "name": "阿拉坦", "role": "cadre", "organisation": ORG, "villages": ["hure"],
     "phone": "13800000005"},
    {"id": "c004", "name": "苏和", "role": "cadre", "organisation": ORG, "villages": ["hure"]},  # no phone
    {"id": "l001", "name": "乌云", "role": "leader", "organisation": ORG, "phone": LEADER},
    {"id": "p001", "name": "巴雅尔", "role": "principal_leader", "organisation": ORG, "phone": PRINCIPAL},
]
SITES = [
    {"id": "office", "name": "苏木政府", "kind": "office"},
    {"id": "bayan", "name": "巴音嘎查", "kind": "village"},
    {"id": "hure", "name": "呼日嘎查", "kind": "village"},
    {"id": "shakeng", "name": "3号沙坑", "kind": "protected_site"},
]
PAIRINGS_CSV = (
    "干部编号,户编号,户主姓名,嘎查（村）\n"
    "c001,H001,敖登,巴音嘎查\nc001,H002,乌兰,巴音嘎查\n"
    "c002,H003,孟和,呼日嘎查\n"
    "c003,H004,图雅,呼日嘎查\n"
    "c004,H005,额尔敦,呼日嘎查\n"
).encode()
ALIYUN_SECRET = "fake-aliyun-secret"
REMIND_C001 = "【走访提醒】本月还有2户未走访：敖登户、乌兰户，请于11月30日前完成。"
REMIND_C002 = "【走访提醒】本月还有1户未走访：孟和户，请于11月30日前完成。"
MISSED_LIST = (
    "【走访月报】2026年11月苏木政府有4个结对户未走访：其其格（敖登户、乌兰户）、巴特尔（孟和户）、苏和（额尔敦户），"
    "详见走访情况报表。"
)


@pytest.fixture
def aliyun(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAliyunSms]:
    """Aliyun with an approved template that carries the whole text: 【测试苏木】${content}."""
    monkeypatch.setenv("WATCHD_ALIYUN_ACCESS_KEY_SECRET", ALIYUN_SECRET)
    with FakeAliyunSms(secret=ALIYUN_SECRET, template_vars=("content",)) as fake:
        yield fake


def aliyun_channel(url: str) -> dict[str, Any]:
    return {
        "id": "aliyun", "kind": "aliyun_sms", "access_key_id": "LTAI5tFakeKeyId01", "sign_name": "测试苏木",
        "template_code": "SMS_153055065", "template_params": {"content": "text"}, "endpoint": url + "/",
        "timeout_seconds": 5,  # a fake on this machine; 0.5 s timed out under a loaded CI box
    }


def webhook_channel(url: str) -> dict[str, Any]:
    return {"id": "hook", "kind": "webhook", "url": url + "/send", "status_url": url + "/status",
            "timeout_seconds": 2}


def open_township(
    make_services: Callable[..., Services], clock: FakeClock, channel: dict[str, Any], *,
    people: list[dict[str, Any]] = PEOPLE, **alerts: Any
) -> Township:
    """Pairings imported on Monday 2026-11-23; 阿拉坦 visits his household on the 24th. Reminders five days
    before the month ends (the 25th) at 09:00, default flood limits (one message a minute per phone)."""
    clock.now = local(date(2026, 11, 23), "00:00")
    services = make_services(
        people=people, sites=SITES, attendance={"visit_reminder_days": 5},
        alerts={"channels": [channel], "public_url": "https://watch.example.cn", **alerts},
    )
    services.visits.import_pairings("pairings.csv", PAIRINGS_CSV)
    t = Township(services, clock)
    t.at(date(2026, 11, 24), "16:00")
    services.visits.record_visit(
        ADMIN, NewVisit(person_id="c003", household_id="H004", visited_at=local(date(2026, 11, 24), "10:30"))
    )
    return t


def jobs(t: Township) -> JobRunner:
    s = t.services
    return JobRunner(s.db, attendance_jobs(s), s.clock, lock_for(s.db, s.config.data_dir), s.config.settings.zone)


def sms_by_phone(aliyun: FakeAliyunSms) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for sms in aliyun.sent:
        out.setdefault(sms.phone, []).append(sms.params["content"])
    return out


def test_reminder_day_sends_one_sms_per_cadre_with_unvisited_households_and_a_rerun_sends_nothing(
    make_services: Callable[..., Services], clock: FakeClock, aliyun: FakeAliyunSms
) -> None:
    t = open_township(make_services, clock, aliyun_channel(aliyun.url))
    runner, ticker = jobs(t), Ticker(t.services)
    t.at(date(2026, 11, 24), "09:00")  # the day before the reminder day
    runner.run_due("visit_reminders")
    ticker.tick()
    assert aliyun.sent == []

    t.at(date(2026, 11, 25), "09:00")
    assert len(runner.run_due("visit_reminders")) == 1
    ticker.tick()
    # 阿拉坦 visited, 苏和 has no phone: only 其其格 and 巴特尔 get an SMS, one each, our id as OutId.
    assert sms_by_phone(aliyun) == {QIQIGE: [REMIND_C001], BATER: [REMIND_C002]}
    outbox = {n.message_id: n for n in t.services.alerts.notifications()}
    assert {sms.out_id for sms in aliyun.sent} == set(outbox)
    assert {(n.purpose, n.status, n.recipient_name) for n in outbox.values()} == {
        ("reminder", "sent", "其其格"), ("reminder", "sent", "巴特尔"),
    }
    assert [h.outcome for n in outbox.values() for h in n.history] == ["sent", "sent"]

    # The job again the same day, the next day's run, and the reminder handed to the outbox a second time.
    t.services.visits.send_visit_reminders()
    t.at(date(2026, 11, 26), "09:00")
    runner.run_due("visit_reminders")
    again = ReminderMessage(key="visit_reminder:2026-11:c001", kind="visit_reminder", month="2026-11",
                            person_id="c001", phone=QIQIGE, text=REMIND_C001)
    with t.services.db.unit_of_work() as session:
        OutboxReminders(t.services.alerts).deliver(session, again)
    ticker.tick()
    assert len(aliyun.sent) == 2
    assert t.services.alerts.outbox_counts() == {"sent": 2}

    # Not an incident: nothing opened, and a reply "1" from the cadre acknowledges nothing.
    reply = t.services.alerts.handle_reply(InboundReply(sender=QIQIGE, text="1", received_at=clock().isoformat()))
    assert reply.acknowledged == []
    assert t.services.alerts.search() == []


def test_the_leader_gets_last_months_unvisited_list_on_the_first(
    make_services: Callable[..., Services], clock: FakeClock, aliyun: FakeAliyunSms
) -> None:
    t = open_township(make_services, clock, aliyun_channel(aliyun.url))
    runner, ticker = jobs(t), Ticker(t.services)
    t.at(date(2026, 12, 1), "06:05")
    assert len(runner.run_due("monthly_reports")) == 1
    ticker.tick()
    assert sms_by_phone(aliyun) == {LEADER: [MISSED_LIST], PRINCIPAL: [MISSED_LIST]}  # the organisation's leaders
    t.at(date(2026, 12, 1), "07:00")
    runner.run_due("monthly_reports")
    t.services.visits.send_missed_lists(date(2026, 11, 1))
    ticker.tick()
    assert len(aliyun.sent) == 2


def test_a_provider_failing_the_first_attempt_still_delivers_the_reminder_once(
    make_services: Callable[..., Services], clock: FakeClock, aliyun: FakeAliyunSms
) -> None:
    t = open_township(make_services, clock, aliyun_channel(aliyun.url))
    ticker = Ticker(t.services)
    t.at(date(2026, 11, 25), "09:00")
    aliyun.fail_next("http500", "http500")  # the first request for each cadre
    jobs(t).run_due("visit_reminders")
    ticker.tick()
    assert aliyun.sent == [] and t.services.alerts.outbox_counts() == {"pending": 2}
    clock.advance(seconds=6)  # past the first backoff (5 s)
    ticker.tick()
    assert sms_by_phone(aliyun) == {QIQIGE: [REMIND_C001], BATER: [REMIND_C002]}
    sends = [r for r in aliyun.requests if r.form().get("Action") == "SendSms"]
    assert len(sends) == 4
    for n in t.services.alerts.notifications():
        assert n.status == "sent" and [h.outcome for h in n.history] == ["retry", "sent"]


def test_an_alarm_goes_first_and_the_reminder_waits_its_turn_unmerged(
    make_services: Callable[..., Services], clock: FakeClock
) -> None:
    with WebhookReceiver() as receiver:
        t = open_township(make_services, clock, webhook_channel(receiver.url),
                          on_call=[{"leader": "l001", "principal": "p001"}])
        ticker = Ticker(t.services)
        t.at(date(2026, 12, 1), "06:05")
        jobs(t).run_due("monthly_reports")  # the list to the leader is queued ...
        incident = t.services.alerts.record(motion(clock)).incident_id or 0  # ... and an alarm to the same phone
        ticker.tick()
        [alarm] = receiver.texts_to(LEADER)
        assert alarm.startswith("【值班提醒】")  # one message a minute: the alarm, not a summary of both
        clock.advance(seconds=61)
        ticker.tick()
        assert receiver.texts_to(LEADER) == [alarm, MISSED_LIST]
        assert not receiver.repeats
    assert [n.purpose for n in t.services.alerts.get(incident).notifications] == ["alert"]
    assert t.services.alerts.outbox_counts() == {"sent": 3}  # the alarm, and the list to both leaders


def test_two_reminders_to_one_phone_go_out_a_minute_apart_not_merged(
    make_services: Callable[..., Services], clock: FakeClock, aliyun: FakeAliyunSms
) -> None:
    shared = [{**p, "phone": QIQIGE} if p["id"] == "c002" else p for p in PEOPLE]  # the family's one phone
    t = open_township(make_services, clock, aliyun_channel(aliyun.url), people=shared)
    ticker = Ticker(t.services)
    t.at(date(2026, 11, 25), "09:00")
    jobs(t).run_due("visit_reminders")
    ticker.tick()
    assert sms_by_phone(aliyun) == {QIQIGE: [REMIND_C001]}
    clock.advance(seconds=30)
    ticker.tick()
    assert len(aliyun.sent) == 1  # the flood limit: one a minute to this phone
    clock.advance(seconds=31)
    ticker.tick()
    assert sms_by_phone(aliyun) == {QIQIGE: [REMIND_C001, REMIND_C002]}
    assert t.services.alerts.outbox_counts() == {"sent": 2}


class FailingOnceSink:
    """Fake sink around the real one: the first hand-over raises (the database dropped mid-job)."""

    def __init__(self, inner: ReminderSink) -> None:
        self.inner = inner
        self.failed = False

    def deliver(self, session: Session, reminder: ReminderMessage) -> None:
        if not self.failed:
            self.failed = True
            raise RuntimeError("connection lost")
        self.inner.deliver(session, reminder)


def test_a_failure_while_queueing_records_nothing_and_the_next_run_sends(
    make_services: Callable[..., Services], clock: FakeClock, aliyun: FakeAliyunSms
) -> None:
    t = open_township(make_services, clock, aliyun_channel(aliyun.url))
    s = t.services
    visits = VisitService(s.db, s.config.settings, s.config.data_dir, s.clock,
                          reminders=FailingOnceSink(OutboxReminders(s.alerts)))
    t.at(date(2026, 11, 25), "09:00")
    with pytest.raises(RuntimeError):
        visits.send_visit_reminders()
    assert s.visits.reminders(ADMIN, "2026-11") == [] and s.alerts.outbox_counts() == {}
    assert len(visits.send_visit_reminders()) == 3  # recorded for all three, 苏和's only listed (no phone)
    Ticker(s).tick()
    assert sms_by_phone(aliyun) == {QIQIGE: [REMIND_C001], BATER: [REMIND_C002]}
