"""The URL actually opened: the configured source plus the password from the environment.

The password comes from the variable (or systemd credential) named by `password_env`; the
returned `CameraSource` knows how to scrub it from any message (see devices.kiosk.capture).
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit, urlunsplit

from devices.camera.config import CameraConfig
from devices.kiosk.capture import CameraSource, parse_source
from devices.terminal import read_secret


def with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[-1]
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def resolve_source(config: CameraConfig) -> CameraSource:
    """The source to open; `MissingSecret` (a DeviceUnavailable) when the named password is not set."""
    if not config.password_env or not config.is_network:
        return parse_source(config.source)
    password = read_secret(config.password_env, where=f"camera {config.id}")
    return parse_source(with_password(config.source, password))
