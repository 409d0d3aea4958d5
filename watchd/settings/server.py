"""HTTP server and database settings."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator

from watchd.settings.base import ConfigModel


class ServerSettings(ConfigModel):
    host: str = Field("127.0.0.1", title="Listen address", description="Use 0.0.0.0 to serve kiosks on the network.")
    port: int = Field(8000, ge=1, le=65535, title="Port", description="HTTP(S) port of the API and pages. WATCHD_PORT overrides it.")
    tls_cert: Path | None = Field(
        None, title="TLS certificate",
        description="PEM certificate chain. Browsers only open the camera on HTTPS pages (or on localhost).",
    )
    tls_key: Path | None = Field(None, title="TLS private key", description="PEM private key for tls_cert.")
    token_ttl_hours: int = Field(
        12, ge=1, le=24 * 30, title="Login lifetime", description="Hours an administrator's login token stays valid."
    )

    @model_validator(mode="after")
    def verify_tls_pair(self) -> ServerSettings:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key must be given together")
        return self


class DatabaseSettings(ConfigModel):
    url: str | None = Field(
        None, title="Database URL",
        description="SQLAlchemy URL, e.g. postgresql+psycopg://watchd@127.0.0.1/watchd. "
        "Empty: SQLite file watchd.db in the data directory. WATCHD_DATABASE_URL overrides it.",
    )
    pool_size: int = Field(5, ge=1, le=100, title="Pool size", description="Connections kept open (PostgreSQL).")
    password_env: str | None = Field(
        None, pattern=r"^[A-Za-z_][A-Za-z0-9_.-]{0,127}$", title="Password variable",
        description="Environment variable or systemd credential (LoadCredential=) holding the PostgreSQL password; "
        "it is put into the URL at start, so the URL in the file (or WATCHD_DATABASE_URL) carries none.",
    )
