"""What a camera `source` setting names, how to say it without its secrets, and the URL actually opened.

Shared by every driver that reads video: the kiosk and duty cameras (OpenCV, devices/video/capture.py)
and the watched cameras (PyAV, devices/camera/stream.py).

- `parse_source`: '0' is a V4L2 index, '/dev/...' a device, 'scheme://...' a URL, anything else a
  file; the result knows its redacted form and how to scrub its secrets from any message.
- `check_source_url`: the configuration rule for URLs (a known scheme, a host, never a password).
- `resolve_source`: the configured source plus the password from the variable (or systemd
  credential) named by `password_env`, read at connect time so a changed credential takes effect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from devices.secrets import read_secret

NETWORK_SCHEMES = frozenset({"rtsp", "rtsps", "http", "https"})
PASSWORD_ENV_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.-]{0,127}$"  # a camera's `password_env`
_MASK = "***"
# Credentials some cameras put in the path or query (Dahua/XMeye style `/user=admin&password=x`).
_SECRET_PARAM = re.compile(r"(?i)\b(password|passwd|pwd|pass|token|secret|key|auth)=[^&;/?#\s]*")

SourceKind = Literal["index", "device", "url", "file"]


@dataclass(frozen=True, slots=True)
class CameraSource:
    """A parsed `source` setting."""

    raw: str
    kind: SourceKind
    redacted: str
    secrets: tuple[str, ...]

    @property
    def is_file(self) -> bool:
        return self.kind == "file"

    def scrub(self, text: str) -> str:
        """Remove the raw source and any secret it holds from `text` (an error message, say)."""
        text = text.replace(self.raw, self.redacted)
        for secret in self.secrets:
            text = text.replace(secret, _MASK)
        return text


def parse_source(source: str) -> CameraSource:
    """'0' is a V4L2 index, '/dev/…' a device, 'scheme://…' a URL, anything else a file path."""
    if source.isdigit():
        return CameraSource(source, "index", source, ())
    if source.startswith("/dev/"):
        return CameraSource(source, "device", source, ())
    if "://" in source:
        redacted, secrets = _redact_url(source)
        return CameraSource(source, "url", redacted, secrets)
    return CameraSource(source, "file", source, ())


def redact_source(source: str) -> str:
    """The source with any password or token replaced by '***'."""
    return parse_source(source).redacted


def _redact_url(url: str) -> tuple[str, tuple[str, ...]]:
    secrets: list[str] = []
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        if ":" in userinfo:
            user, password = userinfo.split(":", 1)
            if password:
                secrets += [password, unquote(password)]
            userinfo = f"{user}:{_MASK}"
        netloc = f"{userinfo}@{host}"

    def mask(match: re.Match[str]) -> str:
        value = match.group(0).split("=", 1)[1]
        if value:
            secrets.extend([value, unquote(value)])
        return f"{match.group(1)}={_MASK}"

    path = _SECRET_PARAM.sub(mask, parts.path)
    query = _SECRET_PARAM.sub(mask, parts.query)
    redacted = urlunsplit((parts.scheme, netloc, path, query, parts.fragment))
    # Longest first, so a secret that contains another is masked whole.
    unique = sorted({s for s in secrets if len(s) >= 2}, key=len, reverse=True)
    return redacted, tuple(unique)


def check_source_url(value: str) -> str:
    """A configured source: a URL must use a known scheme, name a host and hold no password."""
    if "://" not in value:
        return value
    parts = urlsplit(value)
    if parts.scheme.lower() not in NETWORK_SCHEMES:
        raise ValueError(f"unsupported scheme {parts.scheme!r}: use rtsp://, rtsps://, http:// or https://")
    if parts.password:
        raise ValueError("the URL contains a password: remove it and name a variable in password_env instead")
    if not parts.hostname:
        raise ValueError("the URL has no host")
    return value


def with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[-1]
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def resolve_source(source: str, password_env: str | None, *, where: str) -> CameraSource:
    """The source to open; `MissingSecret` (a DeviceUnavailable) naming `where` when the password is not set."""
    if not password_env or "://" not in source:
        return parse_source(source)
    password = read_secret(password_env, where=where)
    return parse_source(with_password(source, password))
