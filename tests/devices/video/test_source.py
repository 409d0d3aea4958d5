"""Camera sources: what a `source` setting names, said without its secrets."""

from __future__ import annotations

import asyncio

import pytest

from devices.contracts import DeviceUnavailable
from devices.duty_camera.config import DutyCameraConfig
from devices.duty_camera.driver import DutyCameraDriver
from devices.video.source import redact_source, resolve_source


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "rtsp://admin:p%40ss@10.0.0.2:554/Streaming/Channels/101",
            "rtsp://admin:***@10.0.0.2:554/Streaming/Channels/101",
        ),
        (
            "rtsp://10.0.0.3:554/user=admin&password=hunter2&channel=1",
            "rtsp://10.0.0.3:554/user=admin&password=***&channel=1",
        ),
        ("http://10.0.0.4/video.mjpg?user=a&pwd=xyz", "http://10.0.0.4/video.mjpg?user=a&pwd=***"),
        ("rtsp://viewer@10.0.0.5/live", "rtsp://viewer@10.0.0.5/live"),
        ("/dev/video0", "/dev/video0"),
        ("0", "0"),
    ],
)
def test_redact_source(source: str, expected: str) -> None:
    assert redact_source(source) == expected


def test_the_password_is_added_at_connect_time_and_scrubbed_from_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHD_TEST_CAM_PASSWORD", "s3cr/et")
    source = resolve_source("rtsp://admin@10.0.0.2:554/live", "WATCHD_TEST_CAM_PASSWORD", where="camera cam-1")
    assert source.raw == "rtsp://admin:s3cr%2Fet@10.0.0.2:554/live"
    assert source.redacted == "rtsp://admin:***@10.0.0.2:554/live"
    assert source.scrub(f"could not open {source.raw} (password s3cr/et)") == (
        "could not open rtsp://admin:***@10.0.0.2:554/live (password ***)"
    )
    # A file or device has no password to add.
    assert resolve_source("/dev/video0", "WATCHD_TEST_CAM_PASSWORD", where="camera cam-1").raw == "/dev/video0"


def test_a_missing_password_names_the_device_and_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WATCHD_TEST_CAM_PASSWORD", raising=False)
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    with pytest.raises(DeviceUnavailable, match="duty camera desk-1: secret WATCHD_TEST_CAM_PASSWORD is not set"):
        resolve_source("rtsp://admin@10.0.0.2/live", "WATCHD_TEST_CAM_PASSWORD", where="duty camera desk-1")


def test_the_duty_camera_reads_its_password_when_it_connects(monkeypatch: pytest.MonkeyPatch) -> None:
    config = DutyCameraConfig(
        kind="duty_camera", id="desk-1", site="duty", source="rtsp://admin@127.0.0.1:1/live",
        password_env="WATCHD_TEST_CAM_PASSWORD",
    )
    driver = DutyCameraDriver(config)
    monkeypatch.delenv("WATCHD_TEST_CAM_PASSWORD", raising=False)
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    with pytest.raises(DeviceUnavailable, match="duty camera desk-1: secret WATCHD_TEST_CAM_PASSWORD is not set"):
        asyncio.run(driver.probe())
    monkeypatch.setenv("WATCHD_TEST_CAM_PASSWORD", "hunter2")
    with pytest.raises(DeviceUnavailable) as refused:  # nothing listens on port 1
        asyncio.run(driver.probe())
    assert "rtsp://admin:***@127.0.0.1:1/live" in str(refused.value)
    assert "hunter2" not in str(refused.value) and "hunter2" not in repr(driver.diagnostics())
