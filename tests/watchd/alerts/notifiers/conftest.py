"""Helpers for the channel tests: a typical alert message and an address where nothing listens."""

from __future__ import annotations

import socket
from pathlib import Path

from watchd.alerts.notifiers.base import ChannelContext, OutgoingMessage

CONTEXT = ChannelContext(data_dir=Path("/nonexistent/watchd-data"))  # HTTP channels keep nothing on disk

TEXT = "【值班提醒】测试苏木 3号沙坑 22:41 发现移动目标，回复1确认"


def message(message_id: str, recipient: str = "13800000001", text: str = TEXT) -> OutgoingMessage:
    return OutgoingMessage(
        message_id=message_id,
        recipient=recipient,
        text=text,
        template_params={"site": "3号沙坑", "time": "22:41", "event": "发现移动目标"},
        incident_code="17",
    )


def closed_port_url() -> str:
    """http://127.0.0.1:PORT where PORT was just free: connecting is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"
