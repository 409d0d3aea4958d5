"""Secrets by name: an environment variable, or a systemd credential (LoadCredential=).

The configuration never holds a secret, only its name in a `*_env` key (e.g.
`access_key_secret_env = "ALIYUN_SECRET"`). The value is the environment variable of that name
or, under systemd, the file `$CREDENTIALS_DIRECTORY/<name>` that `LoadCredential=<name>:<path>`
provides (readable only by the service, never in the environment of child processes or in
`systemctl show`). A lower-case file name is accepted too.

`secret_problems` walks the loaded settings and names, with its key path, every secret that
cannot be found, so `watchd validate-config` (the unit's ExecStartPre) and `watchd run` refuse
to start instead of failing at the first SMS.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from pydantic import BaseModel

from watchd.logs import remember_secret

CREDENTIALS_DIR_ENV = "CREDENTIALS_DIRECTORY"


class MissingSecret(Exception):
    """A secret named in the configuration is in neither the environment nor the credentials."""


def find_secret(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The value, or None; a value found is remembered so that the log masks it wherever it appears."""
    value = _lookup(name, os.environ if environ is None else environ)
    if value is not None:
        remember_secret(value)
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


def read_secret(name: str, *, where: str, environ: Mapping[str, str] | None = None) -> str:
    """The secret `name`; `where` is the configuration key that names it (for the error). Never log the value."""
    value = find_secret(name, environ)
    if value is None:
        raise MissingSecret(missing_text(where, name))
    return value


def missing_text(where: str, name: str) -> str:
    return (
        f"{where}: secret {name} is not set: export {name}=... or, under systemd, "
        f"LoadCredential={name}:/etc/watchd/credentials/{name}"
    )


def secret_names(model: BaseModel, path: str = "") -> Iterator[tuple[str, str]]:
    """(key path, secret name) of every `*_env` key set in enabled parts of the settings."""
    if getattr(model, "enabled", True) is False:
        return
    for field_name in type(model).model_fields:
        value = getattr(model, field_name)
        key = f"{path}.{field_name}" if path else field_name
        if field_name.endswith("_env") and isinstance(value, str) and value:
            yield key, value
        else:
            yield from _walk(value, key)


def _walk(value: object, key: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, BaseModel):
        yield from secret_names(value, key)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _walk(item, f"{key}.{i}")


def secret_problems(settings: BaseModel, environ: Mapping[str, str] | None = None) -> list[str]:
    return [missing_text(key, name) for key, name in secret_names(settings) if find_secret(name, environ) is None]
