"""Device kinds known to watchd: the config union and the driver factory.

The core builds drivers only through `create_driver`; it never imports a concrete driver. Adding a
driver means one config model in the union below and one case in `create_driver`, nothing in
`watchd/`.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, assert_never, get_args

from pydantic import Field, TypeAdapter

from devices.contracts import Driver
from devices.fake.config import FakeTerminalConfig
from devices.fake.driver import FakeTerminalDriver
from devices.kiosk.config import CameraKioskConfig, WebKioskConfig
from devices.kiosk.driver import CameraKioskDriver

AnyDeviceConfig = WebKioskConfig | CameraKioskConfig | FakeTerminalConfig
DeviceConfig = Annotated[WebKioskConfig | CameraKioskConfig | FakeTerminalConfig, Field(discriminator="kind")]

# Kinds that need no driver: the browser kiosk is a page that calls the API.
_DRIVERLESS_KINDS = frozenset({"kiosk_web"})


def create_driver(config: AnyDeviceConfig) -> Driver | None:
    """The driver for one configured device, or None for a kind that has no driver (kiosk_web)."""
    match config:
        case CameraKioskConfig():
            return CameraKioskDriver(config)
        case FakeTerminalConfig():
            return FakeTerminalDriver(config)
        case WebKioskConfig():
            return None
        case _:
            assert_never(config)


def config_kinds() -> list[str]:
    """Every `kind` accepted in the configuration file, sorted."""
    kinds = (get_args(model.model_fields["kind"].annotation)[0] for model in get_args(AnyDeviceConfig))
    return sorted(kinds)


def driver_kinds() -> list[str]:
    """The kinds `create_driver` builds a driver for, sorted."""
    return [kind for kind in config_kinds() if kind not in _DRIVERLESS_KINDS]


@cache
def device_list_adapter() -> TypeAdapter[list[DeviceConfig]]:
    """Validates the `devices` list of the configuration file (errors carry index and key path)."""
    return TypeAdapter(list[DeviceConfig])
