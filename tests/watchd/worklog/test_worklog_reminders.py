"""The work-log reminder reaches phones through the alert outbox: the scheduled job at `remind_at` on a
working day texts whoever owes today's entry and has not written it, once (a re-run sends nothing), and
nothing on a weekend. Real SMS requests to the fake Aliyun gateway on loopback; SQLite and PostgreSQL.
Also the completion figures the appraisal reads (`work_log_completion`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest

from tests.api.worklog_office import MONDAY, local, open_office
from tests.conftest import FakeClock
from tests.fakes.aliyun_server import FakeAliyunSms
from tests.watchd.alerts.alerting import Ticker
from tests.watchd.attendance.test_reminder_delivery import ALIYUN_SECRET, aliyun_channel, sms_by_phone
from watchd.app import Services
from watchd.domain.worklog import OwnerKind
from watchd.scheduling import JobRunner, attendance_jobs, lock_for
from watchd.services.auth import Principal
from watchd.services.worklog import work_log_completion

TEXT = "【工作日志】您11月23日的工作日志还未填写，请打开“工作日志”页填写（约3分钟）。"


@pytest.fixture
def aliyun(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAliyunSms]:
    monkeypatch.setenv("WATCHD_ALIYUN_ACCESS_KEY_SECRET", ALIYUN_SECRET)
    with FakeAliyunSms(secret=ALIYUN_SECRET, template_vars=("content",)) as fake:
        yield fake


def as_person(pid: str, role: str = "cadre") -> Principal:
    return Principal(9, pid, role)


def test_whoever_has_not_written_by_remind_at_gets_one_sms_and_a_rerun_sends_nothing(
    make_services: Callable[..., Services], clock: FakeClock, aliyun: FakeAliyunSms
) -> None:
    services = open_office(
        make_services,
        clock,
        worklog={"remind_at": "17:00"},
        alerts={"channels": [aliyun_channel(aliyun.url)], "public_url": "https://w.example.cn"},
    )
    runner = JobRunner(
        services.db,
        attendance_jobs(services),
        services.clock,
        lock_for(services.db, services.config.data_dir),
        services.config.settings.zone,
    )
    ticker = Ticker(services)
    clock.now = local(MONDAY, "16:00")
    services.worklog.write(as_person("c001"), OwnerKind.person, "c001", MONDAY, done="入户走访")
    runner.run_due("worklog_reminders")  # catches up Sunday 17:00: a rest day, nobody owes a log
    assert services.worklog.send_reminders() == []  # and today's 17:00 has not come yet
    clock.now = local(MONDAY, "17:01")
    assert len(runner.run_due("worklog_reminders")) == 1
    ticker.tick()
    # c001 wrote; l002 has no phone; the duty officer owes no log: 巴特尔, 乌云 and 阿拉坦 get a text.
    assert sms_by_phone(aliyun) == {"13800000002": [TEXT], "13800000003": [TEXT], "13800000005": [TEXT]}
    assert {(n.purpose, n.status) for n in services.alerts.notifications()} == {("reminder", "sent")}

    clock.now = local(MONDAY, "18:00")
    assert services.worklog.send_reminders() == []  # recorded under its key: never twice
    ticker.tick()
    assert len(aliyun.sent) == 3

    clock.now = local(MONDAY + timedelta(days=5), "17:30")  # Saturday
    assert services.worklog.send_reminders() == []


def test_completion_counts_entries_on_working_days_only(
    make_services: Callable[..., Services], clock: FakeClock
) -> None:
    services = open_office(make_services, clock)
    for offset in (0, 1, 2, 5):  # Monday to Wednesday and Saturday
        day = MONDAY + timedelta(days=offset)
        clock.now = local(day, "18:00")
        services.worklog.write(as_person("c001"), OwnerKind.person, "c001", day, done=f"第{offset}天")
    with services.db.read() as session:
        figures = work_log_completion(
            session,
            ["c001", "c002"],
            MONDAY,
            MONDAY + timedelta(days=6),
            is_workday=services.attendance.is_workday,
        )
    assert figures == {"c001": (3, 5), "c002": (0, 5)}
    assert services.worklog.completion(["c001"], MONDAY, MONDAY + timedelta(days=1)) == {"c001": (2, 2)}
    assert date(2026, 11, 28) == MONDAY + timedelta(days=5)
