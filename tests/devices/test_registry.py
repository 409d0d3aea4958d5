"""The device registry: config union parsing and driver creation."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import TypeAdapter, ValidationError

from devices.fake import FakeTerminalConfig, FakeTerminalDriver
from devices.kiosk.config import CameraKioskConfig, WebKioskConfig
from devices.kiosk.driver import CameraKioskDriver
from devices.registry import (
    DeviceConfig,
    Role,
    config_kinds,
    create_driver,
    device_list_adapter,
    driver_kinds,
    has_role,
    kinds_with,
)

DEVICES: list[dict[str, object]] = [
    {"kind": "kiosk_web", "id": "kiosk-1", "site": "village-a"},
    {
        "kind": "kiosk_camera",
        "id": "cam-1",
        "site": "village-a",
        "source": "rtsp://10.0.0.5/stream",
        "fps": 2,
    },
    {
        "kind": "fake_terminal",
        "id": "fake-1",
        "site": "village-b",
        "script": [{"subject_ref": "42", "at": "2024-05-01T08:00:00+08:00"}],
        "interval_s": 0.5,
    },
]


def parse(data: object) -> list[DeviceConfig]:
    return TypeAdapter(list[DeviceConfig]).validate_python(data)


def test_parses_each_kind_to_its_model() -> None:
    web, camera, fake = parse(DEVICES)
    assert isinstance(web, WebKioskConfig)
    assert isinstance(camera, CameraKioskConfig)
    assert camera.fps == 2
    assert isinstance(fake, FakeTerminalConfig)
    assert fake.script[0].method == "face"
    assert device_list_adapter().validate_python(DEVICES) == [web, camera, fake]


def test_unknown_kind_is_rejected_with_its_index() -> None:
    with pytest.raises(ValidationError) as caught:
        parse([DEVICES[0], {"kind": "zkteco_v9", "id": "x", "site": "s"}])
    (error,) = caught.value.errors()
    assert error["loc"] == (1,)
    assert error["type"] == "union_tag_invalid"
    assert "zkteco_v9" in error["msg"]


def test_extra_key_is_rejected_with_its_key_path() -> None:
    bad = [DEVICES[0], {**DEVICES[1], "pasword": "typo"}]
    with pytest.raises(ValidationError) as caught:
        parse(bad)
    (error,) = caught.value.errors()
    assert error["type"] == "extra_forbidden"
    assert error["loc"] == (1, "kiosk_camera", "pasword")
    assert "1.kiosk_camera.pasword" in str(caught.value)


def test_missing_kind_is_rejected() -> None:
    with pytest.raises(ValidationError) as caught:
        parse([{"id": "x", "site": "s"}])
    assert caught.value.errors()[0]["type"] == "union_tag_not_found"


def test_create_driver_per_kind() -> None:
    web, camera, fake = parse(DEVICES)
    assert create_driver(web) is None
    camera_driver = create_driver(camera)
    fake_driver = create_driver(fake)
    assert isinstance(camera_driver, CameraKioskDriver)
    assert isinstance(fake_driver, FakeTerminalDriver)
    assert camera_driver.kind == camera.kind
    assert fake_driver.kind == fake.kind


def test_kind_lists() -> None:
    kinds, drivers = config_kinds(), driver_kinds()
    assert kinds == sorted(set(kinds)) and drivers == sorted(set(drivers))
    assert set(drivers) <= set(kinds)
    assert {"fake_terminal", "kiosk_camera"} <= set(drivers)
    assert "kiosk_web" in kinds and "kiosk_web" not in drivers  # a browser page, not a driver


def test_every_kind_declares_the_roles_the_core_asks_for() -> None:
    assert {k for k in config_kinds() if not any(has_role(k, r) for r in Role)} == set()
    assert kinds_with(Role.terminal) == {"zkteco", "zkteco_adms", "hikvision", "fake_terminal"}
    assert kinds_with(Role.kiosk) == {"kiosk_web", "kiosk_camera"}
    assert kinds_with(Role.kiosk_page) == {"kiosk_web"}
    assert kinds_with(Role.camera, Role.duty_camera) == {"camera", "duty_camera"}
    assert has_role("duty_camera", Role.duty_camera) and not has_role("camera", Role.duty_camera)
    assert not has_role("no_such_kind", Role.terminal)  # a stored row of a kind this build does not know


def test_devices_package_does_not_import_the_core() -> None:
    code = "import sys, devices.registry; print(sorted({m.split('.')[0] for m in sys.modules} & {'watchd', 'api'}))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    assert result.stdout.strip() == "[]"
