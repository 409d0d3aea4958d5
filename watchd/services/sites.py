"""Sites, devices and the audit log as the administrator's pages read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from watchd.db.repositories.audit import AuditRepository
from watchd.db.repositories.sites import SitesRepository
from watchd.db.session import Database


@dataclass(frozen=True, slots=True)
class SiteView:
    id: str
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class DeviceView:
    id: str
    name: str
    kind: str
    site_id: str
    site_name: str
    enabled: bool
    has_token: bool  # a kiosk token was issued (the token itself is never shown again)


@dataclass(frozen=True, slots=True)
class AuditView:
    at: datetime
    actor: str
    action: str
    target_type: str
    target_id: str
    details: dict[str, Any]


class SiteDirectory:
    """Read-only answers about sites, devices and who changed what."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def sites(self) -> list[SiteView]:
        with self.db.read() as s:
            return [SiteView(id=x.id, name=x.name, kind=x.kind) for x in SitesRepository(s).list_sites()]

    def devices(self) -> list[DeviceView]:
        with self.db.read() as s:
            repo = SitesRepository(s)
            names = {x.id: x.name for x in repo.list_sites()}
            return [
                DeviceView(
                    id=d.id, name=d.name, kind=d.kind, site_id=d.site_id, site_name=names.get(d.site_id, d.site_id),
                    enabled=d.enabled, has_token=d.token_hash is not None,
                )
                for d in repo.list_devices()
            ]

    def audit(
        self, *, target_type: str | None = None, target_id: str | None = None, limit: int = 200, offset: int = 0
    ) -> list[AuditView]:
        """Newest first."""
        with self.db.read() as s:
            rows = AuditRepository(s).search(target_type=target_type, target_id=target_id, limit=limit, offset=offset)
            return [
                AuditView(
                    at=r.at, actor=r.actor, action=r.action, target_type=r.target_type, target_id=r.target_id,
                    details=dict(r.details),
                )
                for r in rows
            ]
