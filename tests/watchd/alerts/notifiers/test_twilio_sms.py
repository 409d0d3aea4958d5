"""Twilio against a fake Messages API on loopback (basic auth, Twilio's error codes, signed callbacks)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar
from urllib.parse import urlencode

import pytest
from pydantic import ValidationError

from tests.fakes.twilio_server import FakeTwilio, callback_signature
from tests.watchd.alerts.notifiers.conftest import CONTEXT, TEXT, closed_port_url, message
from watchd.alerts.notifiers.base import CallbackRejected, CallbackRequest, Outcome, SendResult
from watchd.alerts.notifiers.twilio_sms import TwilioSmsConfig, TwilioSmsNotifier

TOKEN = "fake-twilio-token"
SID = "AC" + "0" * 31 + "1"
T = TypeVar("T")
CALLBACK_URL = "https://watch.example.cn/api/alerts/callbacks/twilio/tok123"


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHD_TWILIO_AUTH_TOKEN", TOKEN)


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio(account_sid=SID, auth_token=TOKEN) as fake:
        yield fake


def config(endpoint: str, **overrides: object) -> TwilioSmsConfig:
    raw: dict[str, object] = {
        "kind": "twilio_sms", "id": "twilio", "account_sid": SID, "from_number": "+15005550006",
        "endpoint": endpoint, "timeout_seconds": 0.5, "status_callback_url": CALLBACK_URL,
    }
    return TwilioSmsConfig.model_validate({**raw, **overrides})


def run(cfg: TwilioSmsConfig, use: Callable[[TwilioSmsNotifier], Awaitable[T]]) -> T:
    async def go() -> T:
        notifier = TwilioSmsNotifier(cfg, CONTEXT)
        try:
            return await use(notifier)
        finally:
            await notifier.close()

    return asyncio.run(go())


def send(cfg: TwilioSmsConfig, recipient: str = "+14155550100") -> SendResult:
    return run(cfg, lambda n: n.send(message("m-1", recipient)))


def test_sends_the_text_with_a_status_callback(twilio: FakeTwilio) -> None:
    result = send(config(twilio.url))
    assert result.outcome is Outcome.sent
    (sent,) = twilio.messages
    assert result.provider_id == sent.sid
    assert (sent.to, sent.from_, sent.body, sent.status_callback) == ("+14155550100", "+15005550006", TEXT, CALLBACK_URL)


def test_mainland_numbers_are_put_in_e164(twilio: FakeTwilio) -> None:
    assert send(config(twilio.url), recipient="13800000001").outcome is Outcome.sent
    assert twilio.messages[0].to == "+8613800000001"


@pytest.mark.parametrize(
    ("overrides", "recipient", "code"),
    [
        ({}, "+1", "21211"),
        ({"from_number": "+15005550009"}, "+14155550100", "21606"),
        ({"account_sid": "AC" + "f" * 32}, "+14155550100", "20003"),
    ],
)
def test_refusals_fail_over(twilio: FakeTwilio, overrides: dict[str, object], recipient: str, code: str) -> None:
    result = send(config(twilio.url, **overrides), recipient)
    assert result.outcome is Outcome.failed
    assert code in result.detail
    assert twilio.messages == []


def test_too_many_requests_is_retried(twilio: FakeTwilio) -> None:
    twilio.per_number_burst = 1
    assert send(config(twilio.url)).outcome is Outcome.sent
    result = send(config(twilio.url))
    assert result.outcome is Outcome.retry
    assert "20429" in result.detail


def test_service_unavailable_is_retried(twilio: FakeTwilio) -> None:
    twilio.fail_next("http500")
    assert send(config(twilio.url)).outcome is Outcome.retry


def test_lost_answer_is_unknown_and_found_by_body(twilio: FakeTwilio) -> None:
    twilio.fail_next("hang_after_accept")
    target = message("m-2", "+14155550100")

    async def use(n: TwilioSmsNotifier) -> tuple[SendResult, SendResult | None]:
        first = await n.send(target)
        return first, await n.query(target, first.provider_id)

    first, found = run(config(twilio.url), use)
    assert first.outcome is Outcome.unknown
    assert found is not None
    assert found.outcome is Outcome.sent
    assert found.provider_id == twilio.messages[0].sid


def test_query_by_sid_reports_undelivered(twilio: FakeTwilio) -> None:
    twilio.final_status = "undelivered"
    target = message("m-3", "+14155550100")

    async def use(n: TwilioSmsNotifier) -> SendResult | None:
        first = await n.send(target)
        return await n.query(target, first.provider_id)

    found = run(config(twilio.url), use)
    assert found is not None
    assert found.outcome is Outcome.failed


def test_query_finds_nothing_when_twilio_never_got_it(twilio: FakeTwilio) -> None:
    twilio.fail_next("hang")
    target = message("m-4", "+14155550100")

    async def use(n: TwilioSmsNotifier) -> tuple[SendResult, SendResult | None]:
        first = await n.send(target)
        return first, await n.query(target, None)

    first, found = run(config(twilio.url), use)
    assert first.outcome is Outcome.unknown
    assert found is None


def test_connection_refused_is_retried() -> None:
    assert send(config(closed_port_url())).outcome is Outcome.retry


def signed(params: dict[str, str], token: str = TOKEN) -> CallbackRequest:
    return CallbackRequest(
        body=urlencode(params).encode(),
        headers={"x-twilio-signature": callback_signature(token, CALLBACK_URL, params)},
        query={}, url=CALLBACK_URL,
    )


def test_signed_status_callbacks_and_inbound_sms_are_understood() -> None:
    notifier = TwilioSmsNotifier(config("http://127.0.0.1:9"), CONTEXT)
    delivered = notifier.handle_callback(signed({
        "MessageSid": "SM" + "a" * 32, "MessageStatus": "delivered", "To": "+14155550100", "AccountSid": SID,
    }))
    assert [(r.provider_id, r.delivered) for r in delivered.inbound.receipts] == [("SM" + "a" * 32, True)]
    progress = notifier.handle_callback(signed({"MessageSid": "SM" + "a" * 32, "MessageStatus": "sent"}))
    assert list(progress.inbound.receipts) == []
    inbound = notifier.handle_callback(signed({
        "MessageSid": "SM" + "b" * 32, "From": "+14155550100", "To": "+15005550006", "Body": "1",
        "SmsStatus": "received", "AccountSid": SID,
    }))
    assert [(r.sender, r.text) for r in inbound.inbound.replies] == [("+14155550100", "1")]
    assert inbound.content_type == "text/xml"


def test_callback_seen_through_a_tls_proxy_is_checked_against_the_public_url() -> None:
    notifier = TwilioSmsNotifier(config("http://127.0.0.1:9"), CONTEXT)
    params = {"MessageSid": "SM" + "c" * 32, "MessageStatus": "failed", "ErrorCode": "30003"}
    proxied = CallbackRequest(
        body=urlencode(params).encode(),
        headers={"x-twilio-signature": callback_signature(TOKEN, CALLBACK_URL, params)},
        query={}, url="http://127.0.0.1:8000/api/alerts/callbacks/twilio/tok123",
    )
    (receipt,) = notifier.handle_callback(proxied).inbound.receipts
    assert (receipt.delivered, receipt.detail) == (False, "failed 30003")


def test_a_forged_callback_is_rejected() -> None:
    notifier = TwilioSmsNotifier(config("http://127.0.0.1:9"), CONTEXT)
    with pytest.raises(CallbackRejected):
        notifier.handle_callback(signed({"From": "+14155550100", "Body": "1"}, token="guessed"))


def test_config_needs_exactly_one_sender() -> None:
    with pytest.raises(ValidationError, match="exactly one"):
        config("http://x", from_number=None)
