"""Every secret the loaded settings name, checked at start with its key path.

`secret_problems` walks the settings and names, with its key path, every secret that cannot be
found (devices.secrets reads them), so `watchd validate-config` (the unit's ExecStartPre) and
`watchd run` refuse to start instead of failing at the first SMS.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from pydantic import BaseModel

from devices.secrets import find_secret, missing_text


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
    return [
        missing_text(key, name) for key, name in secret_names(settings) if find_secret(name, environ) is None
    ]
