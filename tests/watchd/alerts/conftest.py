"""Fixtures for the incident, escalation and outbox tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.watchd.alerts.webhook_receiver import WebhookReceiver


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver
