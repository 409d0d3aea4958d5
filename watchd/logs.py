"""Logging set-up: one line per record, key facts first; text or JSON lines; secrets redacted.

- `text`: `2026-01-05 08:30:01,123 INFO watchd.x: message key=value` (extra fields appended).
- `json`: `{"ts": "...", "level": "INFO", "logger": "watchd.x", "msg": "...", "device_id": "..."}`;
  every `extra=` field of the record becomes a key.
- Under systemd (stderr is the journal: JOURNAL_STREAM names it) no timestamp is written, the
  journal has its own, and each line starts with the syslog level prefix (`<3>`), which journald
  strips and turns into the entry's priority (so `journalctl -p err` works).
- Redaction runs on the finished line, tracebacks included: the values of secrets read through
  devices.secrets (the one reader), `password=`/`token=`-style pairs, bearer tokens, passwords in URLs and
  extra fields with secret-looking names.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from datetime import UTC, datetime
from typing import Literal, TextIO

from devices.secrets import REDACTED, SECRETS

LogFormat = Literal["text", "json"]
HANDLER_NAME = "watchd"
SECRET_FIELD = re.compile(
    r"(?i)(^|_)(password|passwd|secret|token|api_?key|access_?key|credentials?|authorization|signature|pin)($|_)"
)
_PATTERNS = (
    # key=value / key: value pairs with a secret-looking key
    (re.compile(r"(?i)\b((?:[a-z_]*_)?(?:password|passwd|secret|token|api_?key|access_key_secret|secret_key|"
                r"comm_key|pin)\s*[=:]\s*\"?)[^\s&\"',;)}]+"), r"\1" + REDACTED),
    (re.compile(r"(?i)\b(bearer|basic|digest)\s+[A-Za-z0-9._~+/=-]{6,}"), r"\1 " + REDACTED),
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]*):[^@\s/]+@"), r"\1:" + REDACTED + "@"),
    (re.compile(r"(?i)([?&](?:access_token|token|key|sign|signature|secret|password)=)[^&\s\"']+"), r"\1" + REDACTED),
)
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


def redact(text: str) -> str:
    """Mask the values of secrets read (devices.secrets) and secret-looking pairs, tokens and URL passwords."""
    text = SECRETS.mask(text)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def remember_secret(value: str) -> None:
    SECRETS.remember(value)


def _extras(record: logging.LogRecord) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in vars(record).items():
        if key in _STANDARD or key.startswith("_"):
            continue
        out[key] = REDACTED if SECRET_FIELD.search(key) else value
    return out


_PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6, logging.DEBUG: 7}


def _prefix(record: logging.LogRecord) -> str:
    level = next((p for lvl, p in sorted(_PRIORITY.items(), reverse=True) if record.levelno >= lvl), 7)
    return f"<{level}>"


class TextFormatter(logging.Formatter):
    def __init__(self, *, journal: bool) -> None:
        fmt = "%(levelname)s %(name)s: %(message)s" if journal else "%(asctime)s %(levelname)s %(name)s: %(message)s"
        super().__init__(fmt)
        self.journal = journal

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = _extras(record)
        if extras:
            head, sep, tail = line.partition("\n")
            line = head + "".join(f" {k}={v}" for k, v in extras.items()) + sep + tail
        line = redact(line)
        return _prefix(record) + line if self.journal else line


class JsonFormatter(logging.Formatter):
    def __init__(self, *, journal: bool) -> None:
        super().__init__()
        self.journal = journal

    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, object] = {}
        if not self.journal:
            body["ts"] = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        body |= {"level": record.levelname, "logger": record.name, "msg": record.getMessage()}
        for key, value in _extras(record).items():
            body.setdefault(key, value if isinstance(value, str | int | float | bool | None) else str(value))
        if record.exc_info:
            body["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            body["exc"] = record.exc_text
        if record.stack_info:
            body["stack"] = self.formatStack(record.stack_info)
        line = redact(json.dumps(body, ensure_ascii=False, default=str))
        return _prefix(record) + line if self.journal else line


def under_journal(stream: TextIO, environ: dict[str, str] | None = None) -> bool:
    """True when `stream` is the journal's stream (JOURNAL_STREAM=device:inode matches it), as systemd advises."""
    value = (os.environ if environ is None else environ).get("JOURNAL_STREAM", "")
    device, _, inode = value.partition(":")
    if not (device.isdigit() and inode.isdigit()):
        return False
    try:
        st = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return st.st_dev == int(device) and st.st_ino == int(inode)


def make_formatter(fmt: LogFormat, *, journal: bool) -> logging.Formatter:
    return JsonFormatter(journal=journal) if fmt == "json" else TextFormatter(journal=journal)


def setup_logging(level: str | None = None, fmt: LogFormat = "text") -> None:
    """Configure the root logger (again, when the configuration file asks for another format)."""
    stream = sys.stderr
    handler = logging.StreamHandler(stream)
    handler.setFormatter(make_formatter(fmt, journal=under_journal(stream)))
    handler.set_name(HANDLER_NAME)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:  # others' handlers (pytest) stay
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel((level or os.environ.get("WATCHD_LOG_LEVEL") or "INFO").upper())
    logging.getLogger("multipart").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
