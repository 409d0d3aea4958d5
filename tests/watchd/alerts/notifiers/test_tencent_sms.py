"""Tencent Cloud SMS against a fake API 3.0 endpoint on loopback that checks the TC3 signature."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import pytest

from tests.fakes.tencent_server import FakeTencentSms
from tests.watchd.alerts.notifiers.conftest import CONTEXT, closed_port_url, message
from watchd.alerts.notifiers.base import CallbackRejected, CallbackRequest, Inbound, Outcome, SendResult
from watchd.alerts.notifiers.tencent_sms import TencentSmsConfig, TencentSmsNotifier

SECRET = "fake-tencent-key"
SECRET_ENV = "WATCHD_TENCENT_SECRET_KEY"
T = TypeVar("T")


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)


@pytest.fixture
def tencent() -> Iterator[FakeTencentSms]:
    with FakeTencentSms(secret_key=SECRET) as fake:
        yield fake


def config(endpoint: str, **overrides: object) -> TencentSmsConfig:
    raw: dict[str, object] = {
        "kind": "tencent_sms", "id": "tencent", "secret_id": "AKIDfakeSecretId0001", "sms_sdk_app_id": "1400006666",
        "sign_name": "测试苏木", "template_id": "449739", "template_params": ["site", "time", "event"],
        "endpoint": endpoint + "/", "timeout_seconds": 0.5,
    }
    return TencentSmsConfig.model_validate({**raw, **overrides})


def run(cfg: TencentSmsConfig, use: Callable[[TencentSmsNotifier], Awaitable[T]]) -> T:
    async def go() -> T:
        notifier = TencentSmsNotifier(cfg, CONTEXT)
        try:
            return await use(notifier)
        finally:
            await notifier.close()

    return asyncio.run(go())


def send(cfg: TencentSmsConfig, message_id: str = "m-1", recipient: str = "13800000001") -> SendResult:
    return run(cfg, lambda n: n.send(message(message_id, recipient)))


def test_sends_template_with_session_context(tencent: FakeTencentSms) -> None:
    result = send(config(tencent.url))
    assert result.outcome is Outcome.sent
    (sms,) = tencent.sent
    assert result.provider_id == sms.serial_no
    assert sms.phone == "+8613800000001"
    assert sms.session_context == "m-1"
    assert sms.params == ["3号沙坑", "22:41", "发现移动目标"]


def test_thirty_second_limit_waits_thirty_seconds(tencent: FakeTencentSms) -> None:
    tencent.per_30s_limit = 1
    assert send(config(tencent.url), "m-1").outcome is Outcome.sent
    result = send(config(tencent.url), "m-2")
    assert result.outcome is Outcome.retry
    assert result.retry_after_s == 30
    assert "LimitExceeded.PhoneNumberThirtySecondLimit" in result.detail


@pytest.mark.parametrize(
    ("overrides", "recipient", "code"),
    [
        ({}, "+1555", "InvalidParameterValue.IncorrectPhoneNumber"),
        ({"sign_name": "别的签名"}, "13800000001", "FailedOperation.SignatureIncorrectOrUnapproved"),
        ({"template_id": "1"}, "13800000001", "FailedOperation.TemplateIncorrectOrUnapproved"),
        ({"template_params": ["site"]}, "13800000001", "FailedOperation.TemplateParamSetNotMatchApprovedTemplate"),
        ({"secret_id": "AKIDsomeoneElse01"}, "13800000001", "AuthFailure.SecretIdNotFound"),
    ],
)
def test_refusals_fail_over(tencent: FakeTencentSms, overrides: dict[str, object], recipient: str, code: str) -> None:
    result = send(config(tencent.url, **overrides), recipient=recipient)
    assert result.outcome is Outcome.failed
    assert code in result.detail
    assert tencent.sent == []


def test_wrong_secret_key_fails_without_leaking_it(
    tencent: FakeTencentSms, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv(SECRET_ENV, "not-the-key")
    result = send(config(tencent.url))
    assert result.outcome is Outcome.failed
    assert "AuthFailure.SignatureFailure" in result.detail
    assert "not-the-key" not in caplog.text + result.detail


def test_gateway_error_is_retried(tencent: FakeTencentSms) -> None:
    tencent.fail_next("http500")
    result = send(config(tencent.url))
    assert result.outcome is Outcome.retry
    assert "502" in result.detail


def test_backend_timeout_is_unknown(tencent: FakeTencentSms) -> None:
    tencent.backend_error = "InternalError.Timeout"
    assert send(config(tencent.url)).outcome is Outcome.unknown


def test_hang_after_acceptance_is_unknown_and_the_receipt_settles_it(tencent: FakeTencentSms) -> None:
    tencent.fail_next("hang_after_accept")
    target = message("m-5")

    async def use(n: TencentSmsNotifier) -> tuple[SendResult, SendResult | None]:
        first = await n.send(target)
        return first, await n.query(target, first.provider_id)

    first, found = run(config(tencent.url), use)
    assert first.outcome is Outcome.unknown
    assert found is not None
    assert found.outcome is Outcome.sent
    assert found.provider_id == tencent.sent[0].serial_no


def test_query_without_a_receipt_cannot_tell(tencent: FakeTencentSms) -> None:
    tencent.fail_next("hang")
    target = message("m-6")

    async def use(n: TencentSmsNotifier) -> tuple[SendResult, SendResult | None]:
        first = await n.send(target)
        return first, await n.query(target, None)

    first, found = run(config(tencent.url), use)
    assert first.outcome is Outcome.unknown
    assert found is None


def test_failed_receipt_is_reported(tencent: FakeTencentSms) -> None:
    tencent.report_status = "FAIL"
    target = message("m-7")

    async def use(n: TencentSmsNotifier) -> SendResult | None:
        first = await n.send(target)
        return await n.query(target, first.provider_id)

    found = run(config(tencent.url), use)
    assert found is not None
    assert found.outcome is Outcome.failed


def test_poll_brings_receipts_and_replies_once(tencent: FakeTencentSms) -> None:
    tencent.replies.append({
        "ExtendCode": "", "CountryCode": "86", "SubscriberNumber": "13800000001", "PhoneNumber": "+8613800000001",
        "SignName": "测试苏木", "ReplyContent": "1", "ReplyTime": "2026-11-23 22:45:10", "ReplyUnixTime": 1795445110,
    })

    async def use(n: TencentSmsNotifier) -> tuple[Inbound, Inbound]:
        assert (await n.send(message("m-3"))).outcome is Outcome.sent
        return await n.poll(), await n.poll()

    first, second = run(config(tencent.url), use)
    assert [(r.message_id, r.provider_id, r.delivered) for r in first.receipts] == [
        ("m-3", tencent.sent[0].serial_no, True)
    ]
    assert [(r.sender, r.text) for r in first.replies] == [("+8613800000001", "1")]
    assert (list(second.receipts), list(second.replies)) == ([], [])


def test_poll_is_quiet_when_turned_off(tencent: FakeTencentSms) -> None:
    assert run(config(tencent.url, pull=False), lambda n: n.poll()) == Inbound()
    assert tencent.requests == []


def push(body: object) -> CallbackRequest:
    return CallbackRequest(body=json.dumps(body).encode(), headers={}, query={}, url="http://x/cb")


def test_pushed_receipts_and_replies_are_understood() -> None:
    notifier = TencentSmsNotifier(config("http://127.0.0.1:9"), CONTEXT)
    receipts = notifier.handle_callback(push([
        {"user_receive_time": "2026-11-23 22:41:09", "nationcode": "86", "mobile": "13800000001",
         "report_status": "SUCCESS", "errmsg": "DELIVRD", "description": "用户短信送达成功", "sid": "2645:104000001"},
        {"user_receive_time": "2026-11-23 22:41:09", "nationcode": "86", "mobile": "13800000002",
         "report_status": "FAIL", "errmsg": "MK:0001", "description": "停机", "sid": "2645:104000002"},
    ]))
    assert [(r.provider_id, r.delivered) for r in receipts.inbound.receipts] == [
        ("2645:104000001", True), ("2645:104000002", False)
    ]
    assert json.loads(receipts.body) == {"result": 0, "errmsg": "OK"}
    replies = notifier.handle_callback(push(
        {"extend": "", "mobile": "13800000001", "nationcode": "86", "sign": "测试苏木", "text": "1", "time": 1795445110}
    ))
    assert [(r.sender, r.text) for r in replies.inbound.replies] == [("+8613800000001", "1")]
    with pytest.raises(CallbackRejected):
        notifier.handle_callback(push({"hello": "world"}))


def test_connection_refused_is_retried() -> None:
    assert send(config(closed_port_url())).outcome is Outcome.retry
