"""A fake Hikvision terminal on loopback, its password in the environment, and config for it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from devices.hikvision.config import HikvisionConfig
from tests.fakes.hikvision_isapi import FakeIsapiTerminal

SECRET_ENV = "WATCHD_TEST_HIK_PASSWORD"


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeIsapiTerminal]:
    fake = FakeIsapiTerminal(heartbeat_s=0.2)
    monkeypatch.setenv(SECRET_ENV, fake.password)
    with fake:
        yield fake


def hik_config(terminal: FakeIsapiTerminal, **overrides: Any) -> HikvisionConfig:
    data: dict[str, Any] = {
        "kind": "hikvision", "id": "hik-office", "site": "office", "url": terminal.url,
        "password_env": SECRET_ENV, "timeout_s": 2, "poll_interval_s": 1, "reconcile_interval_s": 30,
        "stream_retry_s": 60, "stream_idle_s": 3, **overrides,
    }
    return HikvisionConfig.model_validate(data)
