"""Operations settings: /metrics access, log format, retention of photos and snapshots."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from watchd.settings.base import ConfigModel

SecretName = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_.-]{0,127}$"),
    Field(description="Environment variable or systemd credential (LoadCredential=) holding the secret."),
]


class MetricsSettings(ConfigModel):
    enabled: bool = Field(True, title="Serve /metrics", description="Prometheus metrics at /metrics.")
    allow: tuple[IPv4Network | IPv6Network, ...] = Field(
        (ip_network("127.0.0.1/32"), ip_network("::1/128")), max_length=100, title="Allowed scrapers",
        description="Addresses or networks (CIDR) that may read /metrics without a token. Default: this machine "
        "only. Behind a reverse proxy every request comes from the proxy's address: use token_env instead.",
    )
    token_env: SecretName | None = Field(
        None, title="Scrape token",
        description="Environment variable or systemd credential holding a token; a scraper from any address "
        "that sends 'Authorization: Bearer TOKEN' may read /metrics (Prometheus: authorization.credentials_file).",
    )


class LoggingSettings(ConfigModel):
    format: Literal["text", "json"] = Field(
        "text", title="Log format",
        description="text: one readable line per record; json: one JSON object per line (ts, level, logger, msg "
        "and fields such as device_id, incident_id) for log collectors. Under systemd no timestamp is written "
        "in text lines (the journal has its own).",
    )


Days = Annotated[int, Field(ge=0, le=36500)]  # 0: kept for ever (TOML has no null)


class RetentionSettings(ConfigModel):
    """Days after which stored pictures are deleted (the rows stay, without the picture). Camera-event
    snapshots and clips follow `[camera_watch] retention_days` and `max_disk_mb`."""

    checkin_snapshot_days: Days = Field(
        90, title="Check-in snapshots", description="Face snapshots of kiosk check-ins (checkin.keep_snapshot). "
        "0: kept for ever.",
    )
    enrollment_photo_days: Days = Field(
        0, title="Enrolment photos",
        description="Raw enrolment photos (recognition.keep_enrollment_photos); the face templates stay. "
        "0: kept until the person or their faces are deleted.",
    )
    visit_photo_days: Days = Field(
        400, title="Visit photos", description="Photos of household visits. 0: kept for ever."
    )
    incident_snapshot_days: Days = Field(
        180, title="Incident snapshots",
        description="Duty-room snapshots attached to incidents (unwatched desk, wrong person). 0: kept for ever.",
    )
    run_at: str = Field(
        "03:30", pattern=r"^([01]\d|2[0-3]):[0-5]\d$", title="Daily run time",
        description="Local time (HH:MM) of the daily retention job; a missed run is caught up at the next start.",
    )
    orphan_grace_hours: int = Field(
        24, ge=1, le=24 * 30, title="Orphan grace",
        description="Files under snapshots/, photos/, visits/ and duty/snapshots/ that no row references are "
        "deleted once older than this (left behind by a crash between writing the file and the row).",
    )

