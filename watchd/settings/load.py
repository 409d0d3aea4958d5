"""Reading the configuration file, with errors that name the key path."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from devices.secrets import MissingSecret, read_secret
from watchd.settings.root import Settings

CONFIG_ENV = "WATCHD_CONFIG"
DATA_DIR_ENV = "WATCHD_DATA_DIR"
DATABASE_URL_ENV = "WATCHD_DATABASE_URL"
PORT_ENV = "WATCHD_PORT"


class ConfigError(Exception):
    """The configuration file is missing, unreadable or invalid; `problems` lists each one."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))

    def report(self) -> str:
        lines = [f"invalid configuration {self.path}:"]
        lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    path: Path
    settings: Settings
    data_dir: Path
    database_url: str


def _format_error(err: dict[str, object]) -> str:
    loc = ".".join(str(p) for p in err.get("loc", ()) if not str(p).startswith("function-"))  # type: ignore[attr-defined]
    msg = str(err.get("msg", "invalid"))
    msg = msg.removeprefix("Value error, ")
    if err.get("type") == "extra_forbidden":
        msg = "unknown key (not allowed here)"
    if err.get("type") == "union_tag_invalid":
        msg = msg.replace("Input tag", "device kind")
    return f"{loc}: {msg}" if loc else msg


def _with_password(path: Path, url: str, name: str) -> str:
    """The database URL with the password from the variable or credential `name` (never logged)."""
    try:
        password = read_secret(name, where="database.password_env")
    except MissingSecret as exc:
        raise ConfigError(path, [str(exc)]) from None
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(path, ["database.url: not a database URL"]) from None
    if parsed.password:
        raise ConfigError(path, ["database.password_env: the database URL already contains a password; remove it"])
    return parsed.set(password=password).render_as_string(hide_password=False)


def _with_port_from_env(path: Path, settings: Settings) -> Settings:
    """`[server] port`, unless WATCHD_PORT names another (e.g. a second instance on one machine)."""
    raw = os.environ.get(PORT_ENV)
    if not raw:
        return settings
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ConfigError(path, [f"{PORT_ENV}: not a port number (1 to 65535): {raw!r}"])
    return settings.model_copy(update={"server": settings.server.model_copy(update={"port": int(raw)})})


def resolve_config_path(cli_path: str | None) -> Path:
    raw = cli_path or os.environ.get(CONFIG_ENV)
    if not raw:
        raise ConfigError(Path("<none>"), [f"no configuration file: pass --config FILE or set {CONFIG_ENV}"])
    return Path(raw).expanduser()


def load_settings(path: Path) -> LoadedConfig:
    """Parse and validate `path`; raise ConfigError listing every problem with its key path."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, ["file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, [f"cannot read: {exc}"]) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [f"not valid TOML: {exc}"]) from None
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        problems: list[str] = []
        for err in exc.errors():
            text_err = _format_error(dict(err))
            # Cross-reference checks report several problems joined with "; ".
            problems += [p.strip() for p in text_err.split("; ")] if ": " in text_err else [text_err]
        raise ConfigError(path, problems) from None
    settings = _with_port_from_env(path, settings)
    data_dir = Path(os.environ.get(DATA_DIR_ENV) or settings.data_dir).expanduser()
    if not data_dir.is_absolute():
        data_dir = (path.parent / data_dir).resolve() if DATA_DIR_ENV not in os.environ else data_dir.resolve()
    url = os.environ.get(DATABASE_URL_ENV) or settings.database.url or f"sqlite:///{data_dir / 'watchd.db'}"
    if settings.database.password_env:
        url = _with_password(path, url, settings.database.password_env)
    return LoadedConfig(path=path, settings=settings, data_dir=data_dir, database_url=url)
