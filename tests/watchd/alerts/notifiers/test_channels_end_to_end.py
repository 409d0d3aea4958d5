"""The provider channels inside the whole alert path: observation → incident → outbox → provider,
failover between providers, a lost answer settled by the provider's status API without a second SMS,
and the leader's SMS reply read from the modem acknowledging the incident.

Runs on SQLite and PostgreSQL (the `make_services` fixture) with the fake providers on loopback.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fakes.aliyun_server import FakeAliyunSms
from tests.fakes.dummy_phone import gammu, network_delivers
from tests.fakes.tencent_server import FakeTencentSms
from tests.helpers.clocks import FakeClock
from tests.watchd.alerts.alerting import LEADER, MakeServices, Ticker, alert_config, motion
from watchd.app import Services

ALIYUN_SECRET, TENCENT_KEY = "fake-aliyun-secret", "fake-tencent-key"
AdminFor = Callable[[Services], tuple[Services, TestClient, dict[str, str]]]


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHD_ALIYUN_ACCESS_KEY_SECRET", ALIYUN_SECRET)
    monkeypatch.setenv("WATCHD_TENCENT_SECRET_KEY", TENCENT_KEY)


@pytest.fixture
def aliyun() -> Iterator[FakeAliyunSms]:
    with FakeAliyunSms(secret=ALIYUN_SECRET) as fake:
        yield fake


@pytest.fixture
def tencent() -> Iterator[FakeTencentSms]:
    with FakeTencentSms(secret_key=TENCENT_KEY) as fake:
        yield fake


def aliyun_channel(url: str, **overrides: Any) -> dict[str, Any]:
    return {
        "id": "aliyun", "kind": "aliyun_sms", "access_key_id": "LTAI5tFakeKeyId01", "sign_name": "测试苏木",
        "template_code": "SMS_153055065", "endpoint": url + "/", "timeout_seconds": 0.5, **overrides,
    }


def tencent_channel(url: str) -> dict[str, Any]:
    return {
        "id": "tencent", "kind": "tencent_sms", "secret_id": "AKIDfakeSecretId0001", "sms_sdk_app_id": "1400006666",
        "sign_name": "测试苏木", "template_id": "449739", "template_params": ["site", "time", "event"],
        "endpoint": url + "/", "timeout_seconds": 0.5,
    }


def test_leader_gets_the_template_sms_with_our_message_id(
    make_services: MakeServices, clock: FakeClock, aliyun: FakeAliyunSms
) -> None:
    services = make_services(**alert_config(None, channels=[aliyun_channel(aliyun.url)]))
    incident = services.alerts.record(motion(clock)).incident_id or 0
    Ticker(services).tick()
    (sms,) = aliyun.sent
    assert sms.phone == LEADER
    assert (sms.params["site"], sms.params["time"], sms.params["event"]) == ("3号沙坑", "08:30", "发现移动目标")
    (note,) = services.alerts.get(incident).notifications
    assert (note.status, note.message_id) == ("sent", sms.out_id)


def test_a_refused_template_fails_over_to_tencent(
    make_services: MakeServices, clock: FakeClock, aliyun: FakeAliyunSms, tencent: FakeTencentSms
) -> None:
    channels = [aliyun_channel(aliyun.url, template_code="SMS_999999"), tencent_channel(tencent.url)]
    services = make_services(**alert_config(None, channels=channels))
    incident = services.alerts.record(motion(clock)).incident_id or 0
    Ticker(services).run_for(clock, minutes=0.5, step_s=15)
    assert aliyun.sent == []
    (sms,) = tencent.sent
    assert sms.phone == "+86" + LEADER
    assert sms.params == ["3号沙坑", "08:30", "发现移动目标"]
    # Tencent's receipt, pulled on a later tick, marks the message delivered.
    assert [n.status for n in services.alerts.get(incident).notifications] == ["delivered"]


def test_a_lost_answer_is_settled_by_query_and_the_sms_goes_out_once(
    make_services: MakeServices, clock: FakeClock, aliyun: FakeAliyunSms
) -> None:
    services = make_services(**alert_config(None, channels=[aliyun_channel(aliyun.url)]))
    incident = services.alerts.record(motion(clock)).incident_id or 0
    aliyun.fail_next("hang_after_accept")
    Ticker(services).run_for(clock, minutes=1.5, step_s=20)  # past `query_after_seconds` (15 s)
    assert len(aliyun.sent) == 1  # accepted once, never sent again
    sends = [r for r in aliyun.requests if r.form().get("Action") == "SendSms"]
    queries = [r for r in aliyun.requests if r.form().get("Action") == "QuerySendDetails"]
    assert len(sends) == 1 and queries
    assert [n.status for n in services.alerts.get(incident).notifications] == ["sent"]


def test_the_leader_acknowledges_by_replying_1_to_the_modem(
    make_services: MakeServices, clock: FakeClock, tmp_path: Path
) -> None:
    gammu()
    phone = tmp_path / "modem"
    phone.mkdir()
    modem = {"id": "modem", "kind": "gammu_modem", "model": "dummy", "connection": "none", "device": f"{phone}/"}
    services = make_services(**alert_config(None, channels=[modem]))
    ticker = Ticker(services)
    incident = services.alerts.record(motion(clock)).incident_id or 0
    ticker.tick()
    assert [n.status for n in services.alerts.get(incident).notifications] == ["sent"]
    network_delivers(phone, "+86" + LEADER, "1")
    clock.advance(minutes=1)
    ticker.tick()
    detail = services.alerts.get(incident)
    assert detail.incident.status == "acknowledged"
    assert ("acknowledged", "乌云") in [(e.event, e.actor) for e in detail.events]


def test_aliyun_pushes_the_receipt_and_the_reply_to_the_callback_url(
    make_services: MakeServices, clock: FakeClock, aliyun: FakeAliyunSms, admin_headers_for: AdminFor
) -> None:
    services, client, admin = admin_headers_for(make_services(**alert_config(None, channels=[aliyun_channel(aliyun.url)])))
    incident = services.alerts.record(motion(clock)).incident_id or 0
    Ticker(services).tick()
    (sms,) = aliyun.sent
    url = next(c["callback_url"] for c in client.get("/api/alerts/outbox", headers=admin).json()["channels"])
    path = url.removeprefix("https://watch.example.cn")
    report = [{"phone_number": sms.phone, "send_time": "2026-11-23 08:30:01", "report_time": "2026-11-23 08:30:05",
               "success": True, "err_code": "DELIVERED", "err_msg": "用户接收成功", "sms_size": "1",
               "biz_id": sms.biz_id, "out_id": sms.out_id}]
    answer = client.post(path, content=json.dumps(report, ensure_ascii=False).encode())
    assert answer.status_code == 200 and answer.json() == {"code": 0, "msg": "接收成功"}
    assert [n.status for n in services.alerts.get(incident).notifications] == ["delivered"]
    reply = [{"phone_number": sms.phone, "send_time": "2026-11-23 08:31:10", "content": "1", "sign_name": "测试苏木",
              "dest_code": "", "sequence_id": 1}]
    assert client.post(path, content=json.dumps(reply, ensure_ascii=False).encode()).status_code == 200
    assert services.alerts.get(incident).incident.status == "acknowledged"
    assert client.post(path, content=b'{"not": "aliyun"}').status_code == 422
