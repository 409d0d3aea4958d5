"""The server's signing key (acknowledge links, callback URLs). Never logged.

From `WATCHD_SECRET_KEY`, else the systemd credential `watchd_secret_key`, else the file
`secret.key` in the data directory, created on first use with mode 0600.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

from devices.secrets import MissingSecret, read_secret

log = logging.getLogger(__name__)
ENV = "WATCHD_SECRET_KEY"
FILE_NAME = "secret.key"
MIN_LENGTH = 16


class WeakSecretKey(ValueError):
    pass


def load_secret_key(data_dir: Path) -> bytes:
    try:
        value = read_secret(ENV)
    except MissingSecret:
        return _key_file(data_dir / FILE_NAME)
    if len(value) < MIN_LENGTH:
        raise WeakSecretKey(f"{ENV} must have at least {MIN_LENGTH} characters")
    return value.encode()


def _key_file(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            os.chmod(path, 0o600)
            log.warning("%s was readable by others; its mode is now 0600", path)
        value = path.read_text(encoding="ascii").strip()
        if len(value) < MIN_LENGTH:
            raise WeakSecretKey(f"{path} holds fewer than {MIN_LENGTH} characters") from None
        return value.encode()
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_hex(32) + "\n")
    log.info("created a new signing key in %s", path)
    return _key_file(path)
