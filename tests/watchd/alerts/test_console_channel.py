"""The console channel of the demo: each message is one JSON line, and after a crash the file
tells whether a message was written, so it is not written twice."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from watchd.alerts.notifiers.base import ChannelContext, Outcome, OutgoingMessage
from watchd.alerts.notifiers.console import ConsoleChannelConfig, ConsoleNotifier


def test_messages_are_written_once_and_can_be_looked_up(tmp_path: Path) -> None:
    channel = ConsoleNotifier(
        ConsoleChannelConfig(id="file", kind="console", path=Path("out/messages.jsonl")), ChannelContext(tmp_path)
    )
    message = OutgoingMessage(message_id="wd1", recipient="13800000003", text="【值班提醒】测试", incident_code="1001")
    other = OutgoingMessage(message_id="wd2", recipient="13800000003", text="x")

    async def scenario() -> tuple[object, object, object]:
        sent = await channel.send(message)
        return sent, await channel.query(message, None), await channel.query(other, None)

    sent, found, missing = asyncio.run(scenario())
    assert sent.outcome == Outcome.sent  # type: ignore[attr-defined]
    assert found.outcome == Outcome.sent and missing.outcome == Outcome.retry  # type: ignore[attr-defined]
    [line] = (tmp_path / "out" / "messages.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line) == {"message_id": "wd1", "recipient": "13800000003", "text": "【值班提醒】测试",
                                "incident_code": "1001"}
