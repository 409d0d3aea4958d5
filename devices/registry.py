"""Device kinds known to watchd: the config union, the roles each kind plays, and the driver factory.

The core builds drivers only through `create_driver`; it never imports a concrete driver, and it
asks for a device's role (`has_role`, `kinds_with`) instead of comparing kind strings. Adding a
driver means one config model in the union below, its roles in `ROLES` and one case in
`create_driver`, nothing in `watchd/`.
"""

from __future__ import annotations

import threading
from enum import StrEnum
from functools import cache
from typing import Annotated, assert_never, get_args

from pydantic import Field, TypeAdapter

from devices.adms.config import AdmsConfig
from devices.backoff import REAL_TIME, Timing
from devices.camera.config import IDLE_LOOK_S as IDLE_LOOK_S
from devices.camera.config import CameraConfig as CameraConfig
from devices.contracts import Driver, LiveSink, VideoStream
from devices.duty_camera.config import DutyCameraConfig
from devices.duty_camera.driver import DutyCameraDriver
from devices.fake.config import FakeTerminalConfig
from devices.fake.driver import FakeTerminalDriver
from devices.hikvision.config import HikvisionConfig
from devices.hikvision.driver import HikvisionDriver
from devices.kiosk.config import CameraKioskConfig, WebKioskConfig
from devices.kiosk.driver import CameraKioskDriver
from devices.zkteco.config import ZKTecoConfig
from devices.zkteco.driver import ZKTecoDriver

AnyDeviceConfig = (
    WebKioskConfig | CameraKioskConfig | FakeTerminalConfig | CameraConfig | ZKTecoConfig | AdmsConfig
    | DutyCameraConfig | HikvisionConfig
)
DeviceConfig = Annotated[
    WebKioskConfig | CameraKioskConfig | FakeTerminalConfig | CameraConfig | ZKTecoConfig | AdmsConfig
    | DutyCameraConfig | HikvisionConfig,
    Field(discriminator="kind"),
]



class Role(StrEnum):
    """What the core does with a device, whatever its make."""

    terminal = "terminal"  # identifies people itself and reports punches (attendance terminals)
    kiosk = "kiosk"  # a check-in kiosk; it may hold a device token for the kiosk API
    kiosk_page = "kiosk_page"  # a browser that opens the kiosk page: its link is printed at the first start
    camera = "camera"  # a protected-site camera: motion, tampering and loss of signal (the camera watch)
    duty_camera = "duty_camera"  # faces a duty-room desk: presence and who sits there (the duty watch)


ROLES: dict[type[AnyDeviceConfig], frozenset[Role]] = {
    WebKioskConfig: frozenset({Role.kiosk, Role.kiosk_page}),
    CameraKioskConfig: frozenset({Role.kiosk}),
    FakeTerminalConfig: frozenset({Role.terminal}),
    CameraConfig: frozenset({Role.camera}),
    ZKTecoConfig: frozenset({Role.terminal}),
    AdmsConfig: frozenset({Role.terminal}),
    DutyCameraConfig: frozenset({Role.duty_camera}),
    HikvisionConfig: frozenset({Role.terminal}),
}

# Kinds that need no driver: the browser kiosk is a page that calls the API; a watched camera is
# read by the camera watch pipeline through `open_video_stream` (adaptive decoding needs its feedback).
# An ADMS terminal calls watchd itself (api/routes/adms.py).
_DRIVERLESS_KINDS = frozenset({"kiosk_web", "camera", "zkteco_adms"})


def create_driver(config: AnyDeviceConfig, *, timing: Timing = REAL_TIME) -> Driver | None:
    """The driver for one configured device, or None for a kind that has no driver (kiosk_web).
    `timing` is the clock and the waits of its reconnects and polls (tests pass a driven one)."""
    match config:
        case CameraKioskConfig():
            return CameraKioskDriver(config, timing=timing)
        case FakeTerminalConfig():
            return FakeTerminalDriver(config)
        case ZKTecoConfig():
            return ZKTecoDriver(config, timing=timing)
        case HikvisionConfig():
            return HikvisionDriver(config, timing=timing)
        case DutyCameraConfig():
            return DutyCameraDriver(config, timing=timing)
        case WebKioskConfig() | CameraConfig() | AdmsConfig():
            return None
        case _:
            assert_never(config)


def open_video_stream(
    config: CameraConfig, *, realtime: bool, halt: threading.Event | None = None, prebuffer_s: float = 6.0,
    live: LiveSink | None = None,
) -> VideoStream:
    """Connect to a watched camera (blocking). Raises DeviceUnavailable / DeviceAuthError.

    `live`: where the live view goes while someone watches (remuxed packets, no decoding).
    """
    from devices.camera.record import MainStreamRecorder
    from devices.camera.stream import PyAvStream
    from devices.video.source import resolve_source

    source = resolve_source(config.source, config.password_env, where=f"camera {config.id}")
    record = None
    if config.record_source is not None:
        main = resolve_source(config.record_source, config.password_env, where=f"camera {config.id} record_source")
        record = MainStreamRecorder(
            config.id, main, transport=config.transport, open_timeout_s=config.open_timeout_s,
            read_timeout_s=max(5.0, min(config.offline_after_s, 15.0)), prebuffer_s=prebuffer_s,
        )
    return PyAvStream(
        device_id=config.id, source=source, transport=config.transport,
        open_timeout_s=config.open_timeout_s, read_timeout_s=max(5.0, min(config.offline_after_s, 15.0)),
        analysis_width=config.analysis_width, prebuffer_s=prebuffer_s,
        idle_interval_s=IDLE_LOOK_S, idle_max_gap_s=config.max_keyframe_interval_s, realtime=realtime, halt=halt,
        live=live, record=record,
    )


def config_kinds() -> list[str]:
    """Every `kind` accepted in the configuration file, sorted."""
    return sorted(_kind(model) for model in get_args(AnyDeviceConfig))


def _kind(model: type[AnyDeviceConfig]) -> str:
    kind: str = get_args(model.model_fields["kind"].annotation)[0]
    return kind


@cache
def _roles_by_kind() -> dict[str, frozenset[Role]]:
    return {_kind(model): roles for model, roles in ROLES.items()}


def has_role(kind: str, role: Role) -> bool:
    """Whether devices of `kind` (a configured device's or a stored device row's) play `role`."""
    return role in _roles_by_kind().get(kind, frozenset())


def kinds_with(*roles: Role) -> frozenset[str]:
    """Every kind that plays one of `roles`."""
    return frozenset(kind for kind, own in _roles_by_kind().items() if own & set(roles))


def driver_kinds() -> list[str]:
    """The kinds `create_driver` builds a driver for, sorted."""
    return [kind for kind in config_kinds() if kind not in _DRIVERLESS_KINDS]


@cache
def device_list_adapter() -> TypeAdapter[list[DeviceConfig]]:
    """Validates the `devices` list of the configuration file (errors carry index and key path)."""
    return TypeAdapter(list[DeviceConfig])
