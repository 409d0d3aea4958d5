"""Voice calls inside the whole alert path, at night (the clock is the test's): an incident at 03:00
calls the leader on duty through the fake Aliyun voice API (our id carried as OutId), pressing 1
acknowledges it (seen in GET /api/incidents), the per-number ledger sends a second call that night to
the next person, an Aliyun outage fails over to Tencent VMS with exactly one call, and templates
that the vendors would refuse stop the configuration from loading.

Runs on SQLite and PostgreSQL (the `make_services` fixture) with the fakes on loopback.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from tests.conftest import BASE_CONFIG
from tests.fakes.voice_servers import FakeAliyunVoice, FakeTencentVoice
from tests.helpers.clocks import FakeClock
from tests.watchd.alerts.alerting import LEADER, MakeServices, Ticker, alert_config, motion
from watchd.app import Services
from watchd.settings.root import Settings

ALIYUN_SECRET, TENCENT_KEY = "fake-aliyun-secret", "fake-tencent-key"
PRINCIPAL = "13800000004"
NIGHT = datetime(2026, 11, 22, 19, 0, tzinfo=UTC)  # 03:00 in Asia/Shanghai
AdminFor = Callable[[Services], tuple[Services, TestClient, dict[str, str]]]
NIGHT_CALLS = {"rules": [{"severity": "normal", "hours": "22:00-07:00", "mode": "with_text"}]}


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHD_ALIYUN_ACCESS_KEY_SECRET", ALIYUN_SECRET)
    monkeypatch.setenv("WATCHD_TENCENT_SECRET_KEY", TENCENT_KEY)


@pytest.fixture
def aliyun() -> Iterator[FakeAliyunVoice]:
    with FakeAliyunVoice(secret=ALIYUN_SECRET) as fake:
        yield fake


@pytest.fixture
def tencent() -> Iterator[FakeTencentVoice]:
    with FakeTencentVoice(secret_key=TENCENT_KEY) as fake:
        yield fake


def aliyun_voice(url: str, **overrides: Any) -> dict[str, Any]:
    return {
        "id": "aliyun-voice",
        "kind": "aliyun_voice",
        "access_key_id": "LTAI5tFakeKeyId01",
        "ivr": True,
        "called_show_number": "057188773344",
        "tts_code": "TTS_2870001",
        "ack_tts_code": "TTS_2870002",
        "template_text": "${place}值班提醒${event}，请按1确认",
        "endpoint": url + "/",
        "timeout_seconds": 5,  # a fake on this machine; 0.5 s timed out under a loaded CI box
        "failover_after_seconds": 0,
        **overrides,
    }


def tencent_voice(url: str) -> dict[str, Any]:
    return {
        "id": "tencent-voice",
        "kind": "tencent_voice",
        "secret_id": "AKIDfakeSecretId0001",
        "voice_sdk_app_id": "1400000001",
        "template_id": "1180001",
        "template_text": "{1}值班提醒{2}，请按1确认",
        "endpoint": url + "/",
        "timeout_seconds": 5,  # a fake on this machine; 0.5 s timed out under a loaded CI box
    }


def night_services(make_services: MakeServices, clock: FakeClock, channels: list[dict[str, Any]]) -> Services:
    clock.now = NIGHT
    texts = {"id": "console", "kind": "console"}
    return make_services(**alert_config(None, channels=[texts, *channels], voice=NIGHT_CALLS))


def callback_path(client: TestClient, admin: dict[str, str], channel: str) -> str:
    channels = client.get("/api/alerts/outbox", headers=admin).json()["channels"]
    url = next(c["callback_url"] for c in channels if c["id"] == channel)
    return str(url).removeprefix("https://watch.example.cn")


def statuses(client: TestClient, admin: dict[str, str]) -> dict[int, str]:
    return {i["id"]: i["status"] for i in client.get("/api/incidents", headers=admin).json()}


def test_a_night_incident_calls_the_leader_and_pressing_1_acknowledges(
    make_services: MakeServices, clock: FakeClock, aliyun: FakeAliyunVoice, admin_headers_for: AdminFor
) -> None:
    services, client, admin = admin_headers_for(
        night_services(make_services, clock, [aliyun_voice(aliyun.url)])
    )
    incident = services.alerts.record(motion(clock)).incident_id or 0
    Ticker(services).tick()
    (call,) = aliyun.calls
    assert (call.action, call.phone, call.params) == (
        "IvrCall",
        LEADER,
        {"place": "3号沙坑", "event": "发现移动目标"},
    )
    assert call.menu == {"1": "TTS_2870002"}
    notes = {n.purpose: n for n in services.alerts.get(incident).notifications}
    assert set(notes) == {"alert", "call"}  # the text and the call
    assert notes["call"].message_id[:15] == call.our_id and notes["call"].status == "sent"
    path = callback_path(client, admin, "aliyun-voice")
    answer = client.post(path, content=json.dumps(aliyun.report(call, dtmf="1")).encode())
    assert answer.status_code == 200 and answer.json() == {"code": 0, "msg": "接收成功"}
    assert statuses(client, admin)[incident] == "acknowledged"
    detail = services.alerts.get(incident)
    assert ("acknowledged", "乌云") in [(e.event, e.actor) for e in detail.events]
    assert {n.purpose: n.status for n in detail.notifications}["call"] == "delivered"  # answered


def test_a_second_call_that_night_goes_to_the_next_person(
    make_services: MakeServices, clock: FakeClock, aliyun: FakeAliyunVoice, admin_headers_for: AdminFor
) -> None:
    services, client, admin = admin_headers_for(
        night_services(make_services, clock, [aliyun_voice(aliyun.url)])
    )
    ticker = Ticker(services)
    services.alerts.record(motion(clock, "cam3"))
    ticker.tick()
    clock.advance(minutes=10)
    second = services.alerts.record(motion(clock, "cam4")).incident_id or 0
    ticker.tick()
    assert [c.phone for c in aliyun.calls] == [LEADER, PRINCIPAL]  # the leader is not called twice a night
    events = [(e.event, e.detail) for e in services.alerts.get(second).events]
    assert any(event == "call_refused" and "乌云" in detail and "night" in detail for event, detail in events)
    assert any(event == "call" and "巴雅尔" in detail for event, detail in events)
    # The leader still gets the text.
    texts = [n for n in services.alerts.get(second).notifications if n.purpose != "call"]
    assert [n.recipient_name for n in texts] == ["乌云"]
    assert statuses(client, admin)[second] == "open"


def test_an_aliyun_outage_fails_over_to_tencent_with_one_call(
    make_services: MakeServices,
    clock: FakeClock,
    aliyun: FakeAliyunVoice,
    tencent: FakeTencentVoice,
    admin_headers_for: AdminFor,
) -> None:
    channels = [aliyun_voice(aliyun.url), tencent_voice(tencent.url)]
    services, client, admin = admin_headers_for(night_services(make_services, clock, channels))
    aliyun.fail_next("http500", "http500")
    incident = services.alerts.record(motion(clock)).incident_id or 0
    Ticker(services).run_for(clock, minutes=0.5, step_s=10)
    assert aliyun.calls == []
    (call,) = tencent.calls
    note = next(n for n in services.alerts.get(incident).notifications if n.purpose == "call")
    assert (call.phone, call.our_id, call.params) == (
        "+86" + LEADER,
        note.message_id,
        ["3号沙坑", "发现移动目标"],
    )
    assert note.status == "sent" and note.channel_id == "tencent-voice"
    path = callback_path(client, admin, "tencent-voice")
    assert client.post(path, json=tencent.prompt_callback(call)).json() == {"result": 0, "errmsg": "OK"}
    assert client.post(path, json=tencent.key_callback(call, key="1")).status_code == 200
    assert statuses(client, admin)[incident] == "acknowledged"
    assert client.post(path, json={"not": "tencent"}).status_code == 422


def test_by_day_a_normal_incident_only_texts(
    make_services: MakeServices, clock: FakeClock, aliyun: FakeAliyunVoice
) -> None:
    services = night_services(make_services, clock, [aliyun_voice(aliyun.url)])
    clock.now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai
    incident = services.alerts.record(motion(clock)).incident_id or 0
    Ticker(services).tick()
    assert aliyun.calls == []
    assert [n.purpose for n in services.alerts.get(incident).notifications] == ["alert"]


@pytest.mark.parametrize(
    ("channel", "complaint"),
    [
        ({"template_text": "${place}发生${event}-请按1确认"}, "contains -"),
        ({"template_text": "${place}：党委值班${event}，请按1确认"}, "党"),
        (
            {
                "template_text": "${site}值班提醒${event}，请按1确认",
                "tts_params": {"site": "site", "event": "event"},
            },
            "reserved",
        ),
        ({"ivr": False, "called_show_number": None, "template_text": "${place}${event}${time}"}, "at most 2"),
    ],
)
def test_a_template_the_vendor_would_refuse_stops_the_config(channel: dict[str, Any], complaint: str) -> None:
    raw = alert_config(
        None, channels=[{"id": "console", "kind": "console"}, {**aliyun_voice("http://x"), **channel}]
    )
    with pytest.raises(ValidationError) as refused:
        Settings.model_validate({**BASE_CONFIG, **raw})
    text = str(refused.value)
    assert complaint in text and "template_text" in text
