"""Sites and devices: synchronised from the configuration file."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchd.db.models import Device, Site


class SitesRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def upsert_site(self, site_id: str, name: str, kind: str) -> None:
        row = self.session.get(Site, site_id)
        if row is None:
            self.session.add(Site(id=site_id, name=name, kind=kind))
        else:
            row.name, row.kind = name, kind

    def list_sites(self) -> Sequence[Site]:
        return self.session.scalars(select(Site).order_by(Site.id)).all()

    def get_site(self, site_id: str) -> Site | None:
        return self.session.get(Site, site_id)

    def upsert_device(self, device_id: str, kind: str, site_id: str, name: str, enabled: bool) -> None:
        row = self.session.get(Device, device_id)
        if row is None:
            self.session.add(Device(id=device_id, kind=kind, site_id=site_id, name=name, enabled=enabled))
        else:
            row.kind, row.site_id, row.name, row.enabled = kind, site_id, name, enabled

    def disable_devices_except(self, keep: set[str]) -> None:
        for row in self.session.scalars(select(Device).where(Device.enabled.is_(True))):
            if row.id not in keep:
                row.enabled = False

    def get_device(self, device_id: str) -> Device | None:
        return self.session.get(Device, device_id)

    def list_devices(self) -> Sequence[Device]:
        return self.session.scalars(select(Device).order_by(Device.id)).all()

    def device_by_token_hash(self, token_hash: str) -> Device | None:
        return self.session.scalars(
            select(Device).where(Device.token_hash == token_hash, Device.enabled.is_(True))
        ).first()

    def set_device_token(self, device_id: str, token_hash: str, now: datetime) -> None:
        row = self.session.get(Device, device_id)
        if row is None:
            raise KeyError(device_id)
        row.token_hash, row.token_created_at = token_hash, now
