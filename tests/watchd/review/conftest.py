"""Fixtures for the verification tests: the fake webhook provider on loopback."""

from __future__ import annotations

from tests.watchd.alerts.conftest import webhook_receiver

__all__ = ["webhook_receiver"]
