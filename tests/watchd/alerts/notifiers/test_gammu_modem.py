"""The GSM modem channel through python-gammu with gammu's dummy (file-backed) phone.

Replies are put into the dummy phone's inbox by a second gammu state machine, as the network
would; what went out is read back from gammu's own log of the exchange with the phone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest

from tests.fakes.at_modem import SMSC, FakeAtModem
from tests.fakes.dummy_phone import gammu, network_delivers
from watchd.alerts.notifiers.base import ChannelContext, Inbound, Outcome, OutgoingMessage, SendResult
from watchd.alerts.notifiers.gammu_modem import GammuModemConfig, GammuModemNotifier

T = TypeVar("T")
LONG_TEXT = "【值班提醒】测试苏木 3号沙坑 22:41 发现移动目标，请立即查看现场情况并回复1确认，或打开链接查看快照和详细信息。" * 2


def config(phone_dir: Path, **overrides: object) -> GammuModemConfig:
    raw = {"kind": "gammu_modem", "id": "modem", "model": "dummy", "connection": "none",
           "device": str(phone_dir) + "/", "log_file": "gammu.log"}
    return GammuModemConfig.model_validate({**raw, **overrides})


def run(cfg: GammuModemConfig, data_dir: Path, use: Callable[[GammuModemNotifier], Awaitable[T]]) -> T:
    async def go() -> T:
        notifier = GammuModemNotifier(cfg, ChannelContext(data_dir=data_dir))
        try:
            return await use(notifier)
        finally:
            await notifier.close()

    return asyncio.run(go())


@pytest.fixture
def phone_dir(tmp_path: Path) -> Path:
    gammu()
    directory = tmp_path / "phone"
    directory.mkdir()
    return directory


def test_sends_chinese_text_in_concatenated_parts(phone_dir: Path, tmp_path: Path) -> None:
    message = OutgoingMessage(message_id="m-1", recipient="+8613800000001", text=LONG_TEXT)
    result = run(config(phone_dir), tmp_path, lambda n: n.send(message))
    assert result.outcome is Outcome.sent
    assert result.provider_id is not None and result.provider_id.startswith("mr:")
    log = (tmp_path / "gammu.log").read_text(errors="replace")
    parts = log.count("Entering GSM_SendSMS")
    assert parts == len(result.provider_id.split(",")) == 2  # 116 characters: two UCS-2 parts
    assert log.count('Recipient number "+8613800000001"') == 2
    assert "Unicode SMS" in log
    assert LONG_TEXT[:30] in log


def test_a_reply_is_handed_over_once(phone_dir: Path, tmp_path: Path) -> None:
    network_delivers(phone_dir, "+8613800000001", "1")

    async def use(n: GammuModemNotifier) -> tuple[Inbound, Inbound]:
        return await n.poll(), await n.poll()

    first, second = run(config(phone_dir), tmp_path, use)
    assert [(r.sender, r.text) for r in first.replies] == [("+8613800000001", "1")]
    assert list(second.replies) == []


def test_a_long_chinese_reply_is_joined(phone_dir: Path, tmp_path: Path) -> None:
    network_delivers(phone_dir, "+8613800000002", LONG_TEXT)
    inbound = run(config(phone_dir), tmp_path, lambda n: n.poll())
    assert [(r.sender, r.text) for r in inbound.replies] == [("+8613800000002", LONG_TEXT)]


def test_replies_stay_on_the_modem_when_asked(phone_dir: Path, tmp_path: Path) -> None:
    network_delivers(phone_dir, "+8613800000001", "1")

    async def use(n: GammuModemNotifier) -> tuple[Inbound, Inbound]:
        return await n.poll(), await n.poll()

    first, second = run(config(phone_dir, delete_read=False), tmp_path, use)
    assert len(first.replies) == len(second.replies) == 1


def test_messages_in_the_outbox_folder_are_not_replies(phone_dir: Path, tmp_path: Path) -> None:
    network_delivers(phone_dir, "+8613800000009", "draft", folder=2)
    network_delivers(phone_dir, "+8613800000001", "1")
    inbound = run(config(phone_dir), tmp_path, lambda n: n.poll())
    assert [r.text for r in inbound.replies] == ["1"]


def test_missing_modem_is_retried(tmp_path: Path) -> None:
    gammu()
    cfg = config(tmp_path, model="", connection="at", device=str(tmp_path / "ttyUSB9"))
    message = OutgoingMessage(message_id="m-1", recipient="+8613800000001", text="测试")

    async def use(n: GammuModemNotifier) -> tuple[SendResult, Inbound]:
        return await n.send(message), await n.poll()

    result, inbound = run(cfg, tmp_path, use)
    assert result.outcome is Outcome.retry
    assert "ERR_DEVICENOTEXIST" in result.detail
    assert list(inbound.replies) == []


def test_modem_that_appears_later_is_used(tmp_path: Path) -> None:
    """No phone at the path yet: retry; once it is plugged in, the same channel sends."""
    gammu()
    later = tmp_path / "plugged-in-later"
    message = OutgoingMessage(message_id="m-1", recipient="+8613800000001", text="测试")

    async def use(n: GammuModemNotifier) -> tuple[SendResult, SendResult]:
        first = await n.send(message)
        later.mkdir()
        return first, await n.send(message)

    first, second = run(config(later), tmp_path, use)
    assert first.outcome is Outcome.retry
    assert second.outcome is Outcome.sent


def test_a_real_at_conversation_with_a_modem(tmp_path: Path) -> None:
    """gammu's AT driver over a pseudo-terminal: PDU mode, the SIM's SMS centre, UCS-2, +CMS ERROR."""
    g = gammu()
    message = OutgoingMessage(message_id="m-1", recipient="+8613800000001", text="【值班提醒】3号沙坑发现移动目标，回复1确认")

    with FakeAtModem() as modem:
        cfg = config(tmp_path, model="", connection="at", device=modem.device)

        async def use(n: GammuModemNotifier) -> tuple[SendResult, SendResult]:
            sent = await n.send(message)
            modem.cms_error = 38  # network out of order
            return sent, await n.send(message)

        sent, refused = run(cfg, tmp_path, use)
        pdus = list(modem.pdus)
    assert sent.outcome is Outcome.sent
    assert sent.provider_id == "mr:41"
    first = g.DecodePDU(bytes.fromhex(pdus[0]), SMSC=True)
    assert (first["Number"], first["Text"], first["SMSC"]["Number"]) == ("+8613800000001", message.text, SMSC)
    assert first["Coding"] == "Unicode_No_Compression"
    assert refused.outcome is Outcome.retry
    assert "part 1/1" in refused.detail


def test_a_call_rings_the_phone_then_hangs_up(tmp_path: Path) -> None:
    """gammu's real AT driver dials the fake modem (ATD<number>;) and cancels after ring_seconds."""
    gammu()
    call = OutgoingMessage(message_id="m-call", recipient="+8613800000001", text="ignored", call=True)
    with FakeAtModem() as modem:
        cfg = config(tmp_path, model="", connection="at", device=modem.device, ring_seconds=1)

        async def use(n: GammuModemNotifier) -> tuple[SendResult, list[str], int]:
            rang = await n.send(call)
            dialled_before_hang_up, hang_ups_while_ringing = list(modem.dialled), modem.hang_ups
            await asyncio.sleep(1.5)
            return rang, dialled_before_hang_up, hang_ups_while_ringing

        rang, dialled, hang_ups_while_ringing = run(cfg, tmp_path, use)
        hang_ups = modem.hang_ups
    assert rang.outcome is Outcome.sent and "no key press" in rang.detail
    assert dialled == ["+8613800000001"] and hang_ups_while_ringing == 0
    assert hang_ups == 1


def test_a_modem_without_ring_seconds_places_no_calls(phone_dir: Path, tmp_path: Path) -> None:
    call = OutgoingMessage(message_id="m-call", recipient="+8613800000001", text="x", call=True)
    assert not config(phone_dir).places_calls() and config(phone_dir, ring_seconds=30).places_calls()
    result = run(config(phone_dir), tmp_path, lambda n: n.send(call))
    assert result.outcome is Outcome.failed and "ring_seconds" in result.detail
