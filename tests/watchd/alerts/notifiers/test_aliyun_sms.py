"""Aliyun SMS against a fake Dysmsapi on loopback that checks the request shape and the signature."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.fakes.aliyun_server import FakeAliyunSms
from tests.watchd.alerts.notifiers.conftest import CONTEXT, closed_port_url, message
from watchd.alerts.notifiers.aliyun_sms import AliyunSmsConfig, AliyunSmsNotifier
from watchd.alerts.notifiers.base import (
    CallbackRejected,
    CallbackRequest,
    Outcome,
    OutgoingMessage,
    SendResult,
)

SECRET = "fake-aliyun-secret"
SECRET_ENV = "WATCHD_ALIYUN_ACCESS_KEY_SECRET"


@pytest.fixture
def aliyun(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAliyunSms]:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    with FakeAliyunSms(secret=SECRET) as fake:
        yield fake


def config(endpoint: str, **overrides: object) -> AliyunSmsConfig:
    raw: dict[str, object] = {
        "kind": "aliyun_sms", "id": "aliyun", "access_key_id": "LTAI5tFakeKeyId01", "sign_name": "测试苏木",
        "template_code": "SMS_153055065", "endpoint": endpoint + "/", "timeout_seconds": 0.5,
        "template_params": {"site": "site", "time": "time", "event": "event"},
    }
    return AliyunSmsConfig.model_validate({**raw, **overrides})


def send(cfg: AliyunSmsConfig, msg: OutgoingMessage) -> SendResult:
    async def go() -> SendResult:
        notifier = AliyunSmsNotifier(cfg, CONTEXT)
        try:
            return await notifier.send(msg)
        finally:
            await notifier.close()

    return asyncio.run(go())


def send_then_query(cfg: AliyunSmsConfig, msg: OutgoingMessage) -> tuple[SendResult, SendResult | None]:
    async def go() -> tuple[SendResult, SendResult | None]:
        notifier = AliyunSmsNotifier(cfg, CONTEXT)
        try:
            result = await notifier.send(msg)
            return result, await notifier.query(msg, result.provider_id)
        finally:
            await notifier.close()

    return asyncio.run(go())


def test_sends_the_approved_template_with_our_id_as_out_id(aliyun: FakeAliyunSms) -> None:
    result = send(config(aliyun.url), message("m-1", "+8613800000001"))
    assert result.outcome is Outcome.sent
    (sms,) = aliyun.sent
    assert result.provider_id == sms.biz_id
    assert sms.phone == "13800000001"
    assert sms.out_id == "m-1"
    assert sms.sign_name == "测试苏木"
    assert sms.params == {"site": "3号沙坑", "time": "22:41", "event": "发现移动目标"}


def test_flow_control_is_retried_after_the_window(aliyun: FakeAliyunSms) -> None:
    aliyun.per_minute_limit = 1
    assert send(config(aliyun.url), message("m-1")).outcome is Outcome.sent
    result = send(config(aliyun.url), message("m-2"))
    assert result.outcome is Outcome.retry
    assert result.retry_after_s == 60
    assert "isv.BUSINESS_LIMIT_CONTROL" in result.detail
    assert len(aliyun.sent) == 1


@pytest.mark.parametrize(
    ("overrides", "recipient", "code"),
    [
        ({}, "12345", "isv.MOBILE_NUMBER_ILLEGAL"),
        ({"sign_name": "别的签名"}, "13800000001", "isv.SMS_SIGNATURE_ILLEGAL"),
        ({"template_code": "SMS_999999"}, "13800000001", "isv.SMS_TEMPLATE_ILLEGAL"),
        ({"template_params": {"site": "site"}}, "13800000001", "isv.TEMPLATE_MISSING_PARAMETERS"),
        ({"access_key_id": "LTAI5tSomeoneElse"}, "13800000001", "InvalidAccessKeyId.NotFound"),
    ],
)
def test_refusals_fail_over(aliyun: FakeAliyunSms, overrides: dict[str, object], recipient: str, code: str) -> None:
    result = send(config(aliyun.url, **overrides), message("m-1", recipient))
    assert result.outcome is Outcome.failed
    assert code in result.detail
    assert aliyun.sent == []


def test_wrong_secret_fails_and_never_shows_the_secret(
    aliyun: FakeAliyunSms, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv(SECRET_ENV, "not-the-secret")
    result = send(config(aliyun.url), message("m-1"))
    assert result.outcome is Outcome.failed
    assert "SignatureDoesNotMatch" in result.detail
    assert "not-the-secret" not in result.detail
    assert "not-the-secret" not in caplog.text
    assert aliyun.sent == []


def test_server_error_is_retried(aliyun: FakeAliyunSms) -> None:
    aliyun.fail_next("http500")
    result = send(config(aliyun.url), message("m-1"))
    assert result.outcome is Outcome.retry
    assert "500" in result.detail
    assert aliyun.sent == []


def test_timeout_after_acceptance_is_unknown_and_the_query_finds_the_message(aliyun: FakeAliyunSms) -> None:
    aliyun.fail_next("hang_after_accept")
    result, found = send_then_query(config(aliyun.url), message("m-7"))
    assert result.outcome is Outcome.unknown
    assert len(aliyun.sent) == 1  # the provider did take it: re-sending blindly would duplicate it
    assert found is not None
    assert found.outcome is Outcome.sent
    assert "delivered" in found.detail


def test_timeout_before_processing_queries_to_nothing(aliyun: FakeAliyunSms) -> None:
    aliyun.fail_next("hang")
    result, found = send_then_query(config(aliyun.url), message("m-8"))
    assert result.outcome is Outcome.unknown
    assert found is None
    assert aliyun.sent == []


def test_query_reports_a_failed_delivery(aliyun: FakeAliyunSms) -> None:
    aliyun.receipt_status = 2
    result, found = send_then_query(config(aliyun.url), message("m-9"))
    assert result.outcome is Outcome.sent
    assert found is not None
    assert found.outcome is Outcome.failed


def test_query_finds_ours_among_many_on_several_pages(aliyun: FakeAliyunSms) -> None:
    aliyun.per_minute_limit = 1000
    cfg = config(aliyun.url)

    async def go() -> SendResult | None:
        notifier = AliyunSmsNotifier(cfg, CONTEXT)
        try:
            for i in range(60):
                assert (await notifier.send(message(f"other-{i}"))).outcome is Outcome.sent
            aliyun.fail_next("reset_after_accept")
            target = message("target")
            assert (await notifier.send(target)).outcome is Outcome.unknown
            return await notifier.query(target, None)
        finally:
            await notifier.close()

    found = asyncio.run(go())
    assert found is not None
    assert found.outcome is Outcome.sent


def test_connection_refused_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    result = send(config(closed_port_url()), message("m-1"))
    assert result.outcome is Outcome.retry
    assert "cannot connect" in result.detail


def test_missing_secret_fails_over_naming_the_variable(aliyun: FakeAliyunSms, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_ENV)
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    result = send(config(aliyun.url), message("m-1"))
    assert result.outcome is Outcome.failed
    assert SECRET_ENV in result.detail
    assert aliyun.requests == []


def test_secret_from_systemd_credentials(aliyun: FakeAliyunSms, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_ENV)
    (tmp_path / SECRET_ENV).write_text(SECRET + "\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    result = send(config(aliyun.url), message("m-1"))
    assert result.outcome is Outcome.sent


def test_a_message_without_the_template_parameter_fails_without_a_request(aliyun: FakeAliyunSms) -> None:
    cfg = config(aliyun.url, template_params={"site": "site", "code": "incident_code", "where": "room"})
    result = send(cfg, message("m-1"))
    assert result.outcome is Outcome.failed
    assert "room" in result.detail
    assert aliyun.requests == []


def push(body: bytes) -> CallbackRequest:
    return CallbackRequest(body=body, headers={"content-type": "application/json"}, query={}, url="http://x/cb")


def test_delivery_reports_and_replies_pushed_by_aliyun_are_understood() -> None:
    notifier = AliyunSmsNotifier(config("http://127.0.0.1:9"), CONTEXT)
    reports = notifier.handle_callback(push(json.dumps([
        {"phone_number": "13800000001", "send_time": "2026-11-23 22:41:03", "report_time": "2026-11-23 22:41:09",
         "success": True, "err_code": "DELIVERED", "err_msg": "用户接收成功", "sms_size": "1",
         "biz_id": "900000000000^0", "out_id": "m-1"},
        {"phone_number": "13800000002", "send_time": "2026-11-23 22:41:03", "report_time": "2026-11-23 22:41:20",
         "success": False, "err_code": "MK:0001", "err_msg": "停机", "sms_size": "1", "biz_id": "900000000001^0",
         "out_id": "m-2"},
    ]).encode()))
    assert [(r.message_id, r.provider_id, r.delivered) for r in reports.inbound.receipts] == [
        ("m-1", "900000000000^0", True), ("m-2", "900000000001^0", False)
    ]
    assert json.loads(reports.body) == {"code": 0, "msg": "接收成功"}
    replies = notifier.handle_callback(push(json.dumps([
        {"phone_number": "13800000001", "send_time": "2026-11-23 22:45:10", "content": "1", "sign_name": "测试苏木",
         "dest_code": "1234", "sequence_id": 1234567890},
    ]).encode()))
    (reply,) = replies.inbound.replies
    assert (reply.sender, reply.text) == ("13800000001", "1")
    assert datetime.fromisoformat(reply.received_at) == datetime(2026, 11, 23, 14, 45, 10, tzinfo=UTC)


@pytest.mark.parametrize("body", [b"not json", b'{"a": 1}', b'[{"phone_number": "1"}]'])
def test_a_malformed_push_is_rejected(body: bytes) -> None:
    notifier = AliyunSmsNotifier(config("http://127.0.0.1:9"), CONTEXT)
    with pytest.raises(CallbackRejected):
        notifier.handle_callback(push(body))
