"""DingTalk and WeCom group robots against fake webhooks on loopback (signing, keyword, limits, errcodes)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest

from tests.fakes.dingtalk_server import FakeDingTalkRobot
from tests.fakes.wecom_server import FakeWeComRobot
from tests.watchd.alerts.notifiers.conftest import CONTEXT, TEXT, closed_port_url, message
from watchd.alerts.notifiers.base import Outcome, OutgoingMessage, SendResult
from watchd.alerts.notifiers.dingtalk import DingTalkConfig, DingTalkNotifier
from watchd.alerts.notifiers.wecom import WeComConfig, WeComNotifier

DING_TOKEN, DING_SECRET = "fake-dingtalk-token", "SECfakedingtalksecret"
WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHD_DINGTALK_ACCESS_TOKEN", DING_TOKEN)
    monkeypatch.setenv("WATCHD_DINGTALK_SECRET", DING_SECRET)
    monkeypatch.setenv("WATCHD_WECOM_ROBOT_KEY", WECOM_KEY)


@pytest.fixture
def ding() -> Iterator[FakeDingTalkRobot]:
    with FakeDingTalkRobot(access_token=DING_TOKEN, secret=DING_SECRET) as fake:
        yield fake


@pytest.fixture
def wecom() -> Iterator[FakeWeComRobot]:
    with FakeWeComRobot(key=WECOM_KEY) as fake:
        yield fake


def ding_config(base: str, **overrides: object) -> DingTalkConfig:
    raw = {"kind": "dingtalk", "id": "ding", "endpoint": base + "/robot/send", "timeout_seconds": 0.5,
           "secret_env": "WATCHD_DINGTALK_SECRET"}
    return DingTalkConfig.model_validate({**raw, **overrides})


def wecom_config(base: str, **overrides: object) -> WeComConfig:
    raw = {"kind": "wecom", "id": "wecom", "endpoint": base + "/cgi-bin/webhook/send", "timeout_seconds": 0.5}
    return WeComConfig.model_validate({**raw, **overrides})


def send(notifier: DingTalkNotifier | WeComNotifier, *messages: OutgoingMessage) -> list[SendResult]:
    async def go() -> list[SendResult]:
        try:
            return [await notifier.send(m) for m in messages]
        finally:
            await notifier.close()

    return asyncio.run(go())


# --- DingTalk -------------------------------------------------------------------------------------


def test_dingtalk_posts_signed_text_mentioning_the_leader(ding: FakeDingTalkRobot) -> None:
    (result,) = send(DingTalkNotifier(ding_config(ding.url), CONTEXT), message("m-1", "+8613800000001"))
    assert result.outcome is Outcome.sent
    (posted,) = ding.posted
    assert posted["at"] == {"isAtAll": False, "atMobiles": ["13800000001"]}
    assert posted["text"] == {"content": f"{TEXT} @13800000001"}


def test_dingtalk_group_post_mentions_nobody(ding: FakeDingTalkRobot) -> None:
    (result,) = send(DingTalkNotifier(ding_config(ding.url), CONTEXT), message("m-1", "group:ding"))
    assert result.outcome is Outcome.sent
    assert ding.posted[0]["at"] == {"isAtAll": False}
    assert ding.posted[0]["text"] == {"content": TEXT}


def test_dingtalk_wrong_secret_fails_over(ding: FakeDingTalkRobot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHD_DINGTALK_SECRET", "SECwrong")
    (result,) = send(DingTalkNotifier(ding_config(ding.url), CONTEXT), message("m-1"))
    assert result.outcome is Outcome.failed
    assert "310000" in result.detail
    assert "sign not match" in result.detail
    assert ding.posted == []


def test_dingtalk_wrong_token_fails_over(ding: FakeDingTalkRobot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHD_DINGTALK_ACCESS_TOKEN", "stale-token")
    (result,) = send(DingTalkNotifier(ding_config(ding.url), CONTEXT), message("m-1"))
    assert result.outcome is Outcome.failed
    assert "300005" in result.detail


def test_dingtalk_keyword_robot_gets_the_keyword() -> None:
    with FakeDingTalkRobot(access_token=DING_TOKEN, secret=None, keyword="告警") as fake:
        plain = send(DingTalkNotifier(ding_config(fake.url, secret_env=None), CONTEXT), message("m-1"))
        keyed = send(DingTalkNotifier(ding_config(fake.url, secret_env=None, keyword="告警"), CONTEXT), message("m-2"))
    assert plain[0].outcome is Outcome.failed
    assert "keywords not in content" in plain[0].detail
    assert keyed[0].outcome is Outcome.sent


def test_dingtalk_rate_limit_waits_a_minute(ding: FakeDingTalkRobot) -> None:
    ding.per_minute = 2
    results = send(DingTalkNotifier(ding_config(ding.url), CONTEXT), *(message(f"m-{i}") for i in range(3)))
    assert [r.outcome for r in results] == [Outcome.sent, Outcome.sent, Outcome.retry]
    assert results[2].retry_after_s == 60


def test_dingtalk_bad_gateway_and_hang(ding: FakeDingTalkRobot) -> None:
    ding.fail_next("http500", "hang_after_accept")
    results = send(DingTalkNotifier(ding_config(ding.url), CONTEXT), message("m-1"), message("m-2"))
    assert [r.outcome for r in results] == [Outcome.retry, Outcome.unknown]
    assert len(ding.posted) == 1  # the hung one did reach the group


def test_dingtalk_token_never_reaches_the_logs(ding: FakeDingTalkRobot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    (result,) = send(DingTalkNotifier(ding_config(ding.url), CONTEXT), message("m-1"))
    assert result.outcome is Outcome.sent
    assert "HTTP Request: POST" in caplog.text  # httpx did log the request ...
    assert DING_TOKEN not in caplog.text  # ... without the token


def test_dingtalk_missing_token_fails_without_a_request(ding: FakeDingTalkRobot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WATCHD_DINGTALK_ACCESS_TOKEN")
    (result,) = send(DingTalkNotifier(ding_config(ding.url), CONTEXT), message("m-1"))
    assert result.outcome is Outcome.failed
    assert "WATCHD_DINGTALK_ACCESS_TOKEN" in result.detail
    assert ding.requests == []


# --- WeCom ----------------------------------------------------------------------------------------


def test_wecom_posts_text_mentioning_the_leader(wecom: FakeWeComRobot) -> None:
    (result,) = send(WeComNotifier(wecom_config(wecom.url), CONTEXT), message("m-1", "+8613800000001"))
    assert result.outcome is Outcome.sent
    assert wecom.posted == [
        {"msgtype": "text", "text": {"content": TEXT, "mentioned_mobile_list": ["13800000001"]}}
    ]


def test_wecom_long_text_is_cut_to_the_limit(wecom: FakeWeComRobot) -> None:
    long_text = "发现移动目标" * 200  # 7200 bytes
    (result,) = send(WeComNotifier(wecom_config(wecom.url), CONTEXT), message("m-1", text=long_text))
    assert result.outcome is Outcome.sent
    content = wecom.posted[0]["text"]["content"]  # type: ignore[index]
    assert len(content.encode()) <= 2048
    assert content.startswith("发现移动目标") and content.endswith("…")


def test_wecom_wrong_key_fails_over(wecom: FakeWeComRobot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHD_WECOM_ROBOT_KEY", "revoked-key")
    (result,) = send(WeComNotifier(wecom_config(wecom.url), CONTEXT), message("m-1"))
    assert result.outcome is Outcome.failed
    assert "93000" in result.detail


def test_wecom_rate_limit_and_system_error_are_retried(wecom: FakeWeComRobot) -> None:
    wecom.per_minute = 1
    wecom.fail_next("http500")
    results = send(WeComNotifier(wecom_config(wecom.url), CONTEXT), message("m-1"), message("m-2"), message("m-3"))
    assert [r.outcome for r in results] == [Outcome.retry, Outcome.sent, Outcome.retry]
    assert results[2].retry_after_s == 60
    assert "45009" in results[2].detail


def test_wecom_timeout_is_unknown_and_connection_refused_is_retried(wecom: FakeWeComRobot) -> None:
    wecom.fail_next("hang")
    (hung,) = send(WeComNotifier(wecom_config(wecom.url), CONTEXT), message("m-1"))
    (refused,) = send(WeComNotifier(wecom_config(closed_port_url()), CONTEXT), message("m-2"))
    assert hung.outcome is Outcome.unknown
    assert refused.outcome is Outcome.retry


def test_wecom_key_never_reaches_the_logs(wecom: FakeWeComRobot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    send(WeComNotifier(wecom_config(wecom.url), CONTEXT), message("m-1"))
    assert "HTTP Request: POST" in caplog.text
    assert WECOM_KEY not in caplog.text
