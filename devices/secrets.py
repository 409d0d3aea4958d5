"""The one secret reader: by name, from the environment or a systemd credential (LoadCredential=).

The configuration never holds a secret, only its name in a `*_env` key (e.g.
`access_key_secret_env = "ALIYUN_SECRET"`). The value is the environment variable of that name
or, under systemd, the file `$CREDENTIALS_DIRECTORY/<name>` that `LoadCredential=<name>:<path>`
provides (readable only by the service, never in the environment of child processes or in
`systemctl show`). A lower-case file name is accepted too.

Every value found is remembered in `SECRETS`, which the log handlers (watchd/logs.py) use to mask
it wherever it would appear. It lives here, in the lowest layer, because drivers (device
passwords, comm keys), the core (SMS keys, database password) and the API (metrics token) all read
secrets and devices/ may import nothing from the core.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path

from devices.contracts import DeviceUnavailable

CREDENTIALS_DIR_ENV = "CREDENTIALS_DIRECTORY"
REDACTED = "[redacted]"


class SecretValues:
    """Values of secrets read at run time; masked wherever they would appear in a log line."""

    def __init__(self) -> None:
        self._values: frozenset[str] = frozenset()
        self._lock = threading.Lock()

    def remember(self, value: str) -> None:
        if len(value) >= 4:  # a shorter "secret" would mask ordinary words
            with self._lock:
                self._values = self._values | {value}

    def mask(self, text: str) -> str:
        for value in sorted(self._values, key=len, reverse=True):
            text = text.replace(value, REDACTED)
        return text


SECRETS = SecretValues()  # process-wide on purpose: every handler and every read secret share it


class MissingSecret(DeviceUnavailable):
    """A secret named in the configuration is in neither the environment nor the credentials.
    A `DeviceUnavailable`, so a driver missing its password backs off and reports like any device
    it cannot reach; the core catches it by this name."""


def find_secret(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The value, or None; a value found is remembered so that the log masks it wherever it appears."""
    value = _lookup(name, os.environ if environ is None else environ)
    if value is not None:
        SECRETS.remember(value)
    return value


def _lookup(name: str, env: Mapping[str, str]) -> str | None:
    value = env.get(name, "").strip()
    if value:
        return value
    directory = env.get(CREDENTIALS_DIR_ENV, "")
    if not directory:
        return None
    for candidate in dict.fromkeys((name, name.lower())):
        try:
            value = (Path(directory) / candidate).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            continue
        if value:
            return value
    return None


def read_secret(name: str, *, where: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The secret `name`; `where` is the configuration key that names it (for the error). Never log the value."""
    value = find_secret(name, environ)
    if value is None:
        raise MissingSecret(missing_text(where, name))
    return value


def missing_text(where: str | None, name: str) -> str:
    prefix = f"{where}: " if where else ""
    return (
        f"{prefix}secret {name} is not set: export {name}=... or, under systemd, "
        f"LoadCredential={name}:/etc/watchd/credentials/{name}"
    )
