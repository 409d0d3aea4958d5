"""Terminal devices in the configuration, and punches as drivers hand them over."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from devices.contracts import CheckIn
from devices.terminal import WallTime, punch_event
from watchd.app import Services

ZONE = ZoneInfo("Asia/Shanghai")
TERMINALS: list[dict[str, Any]] = [
    {"id": "zk-bayan", "kind": "zkteco", "site": "bayan", "host": "127.0.0.1", "port": 1},
    {"id": "adms-hure", "kind": "zkteco_adms", "site": "hure", "serial": "ADMS0001", "offline_after_s": 120},
]


def punch(user: str, at: str, *, device: str = "zk-bayan", serial: str = "ZK0001", name: str | None = None) -> CheckIn:
    """A punch at device-local wall time `at` ('YYYY-MM-DD HH:MM:SS')."""
    return punch_event(
        device_id=device, serial=serial, device_user=user, wall=WallTime.parse(at), zone=ZONE, source="zkteco",
        user_name=name,
    )


@pytest.fixture
def terminal_services(make_services: Callable[..., Services]) -> Callable[..., Services]:
    def factory(**overrides: Any) -> Services:
        return make_services(devices=[{"id": "kiosk-bayan", "kind": "kiosk_web", "site": "bayan"}, *TERMINALS], **overrides)

    return factory


def local(dt: datetime | None) -> str:
    assert dt is not None
    return dt.astimezone(ZONE).strftime("%Y-%m-%d %H:%M:%S")
