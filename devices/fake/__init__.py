"""Fake devices: real drivers with scripted behaviour, for tests and demos."""

from devices.fake.config import FakeCheckInEntry, FakeTerminalConfig
from devices.fake.driver import FakeTerminalDriver, fake_event_id

__all__ = ["FakeCheckInEntry", "FakeTerminalConfig", "FakeTerminalDriver", "fake_event_id"]
