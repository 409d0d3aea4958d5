"""Console/file channel for the demo and for sites without any provider: the message goes to the log
and, when `path` is set, to a JSON-lines file in the data directory. Always `sent`."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field

from watchd.alerts.notifiers.base import (
    ChannelConfigBase,
    ChannelContext,
    Outcome,
    OutgoingMessage,
    SendResult,
)

log = logging.getLogger(__name__)


class ConsoleChannelConfig(ChannelConfigBase):
    kind: Literal["console"] = Field(title="Kind", description="Write messages to the log (and optionally a file).")
    path: Path | None = Field(
        None, title="Message file",
        description="Append each message as one JSON line to this file (relative paths are relative to the "
        "data directory). Empty: log only.",
    )


def mask_address(address: str) -> str:
    """138****0003: enough to tell recipients apart in a log, not enough to dial."""
    if len(address) >= 7 and address.lstrip("+").isdigit():
        return address[:3] + "****" + address[-4:]
    return address


class ConsoleNotifier:
    kind: ClassVar[str] = "console"

    def __init__(self, config: ConsoleChannelConfig, context: ChannelContext) -> None:
        self.config = config
        self.path = None if config.path is None else (context.data_dir / config.path)
        self._lock = asyncio.Lock()

    async def send(self, message: OutgoingMessage) -> SendResult:
        log.info("message %s to %s: %s", message.message_id, mask_address(message.recipient), message.text)
        if self.path is not None:
            line = json.dumps(
                {"message_id": message.message_id, "recipient": message.recipient, "text": message.text,
                 "incident_code": message.incident_code},
                ensure_ascii=False,
            )
            async with self._lock:
                await asyncio.to_thread(self._append, line)
        return SendResult(outcome=Outcome.sent, provider_id=message.message_id)

    def _append(self, line: str) -> None:
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")

    async def query(self, message: OutgoingMessage, provider_id: str | None) -> SendResult | None:
        """After a crash mid-send: the file tells whether the line was written."""
        if self.path is None:
            return SendResult(outcome=Outcome.retry, detail="log only; nothing to look up, safe to log again")
        found = await asyncio.to_thread(self._contains, message.message_id)
        if found:
            return SendResult(outcome=Outcome.sent, provider_id=message.message_id, detail="found in file")
        return SendResult(outcome=Outcome.retry, detail="not in file")

    def _contains(self, message_id: str) -> bool:
        assert self.path is not None
        needle = json.dumps(message_id)
        try:
            with self.path.open(encoding="utf-8") as f:
                return any(f'"message_id": {needle}' in line for line in f)
        except FileNotFoundError:
            return False

    async def close(self) -> None:
        return None
