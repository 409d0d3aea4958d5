"""The configuration file is edited outside watchd, so its changes are audited when a node starts:
one `config.changed` entry naming the sections that differ from the last start's (by hash; the
values themselves, which hold phone numbers, are not copied into the log)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from watchd.db.models.audit import AuditEntry
from watchd.db.repositories.audit import AuditRepository
from watchd.db.session import Database
from watchd.settings.load import LoadedConfig

log = logging.getLogger(__name__)
ACTION = "config.changed"


def section_hashes(config: LoadedConfig) -> dict[str, str]:
    """A short hash of each top-level section, as the node understood it (defaults filled in)."""
    dumped = config.settings.model_dump(mode="json", exclude={"data_dir"})
    return {
        name: hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
        for name, value in sorted(dumped.items())
    }


def audit_config(db: Database, config: LoadedConfig, clock: Callable[[], datetime], node: str) -> list[str]:
    """Record the sections changed since the last audited start; return them ([] when unchanged)."""
    hashes = section_hashes(config)
    with db.unit_of_work() as s:
        last = s.scalars(
            select(AuditEntry).where(AuditEntry.action == ACTION).order_by(AuditEntry.id.desc()).limit(1)
        ).first()
        before = last.details.get("sections", {}) if last is not None else {}
        assert isinstance(before, dict)
        changed = sorted(k for k in hashes.keys() | before.keys() if hashes.get(k) != before.get(k))
        if not changed:
            return []
        try:
            owner: object = os.stat(config.path).st_uid
        except OSError:
            owner = None
        AuditRepository(s).add(
            at=clock(), actor=f"config:{node}", action=ACTION, target_type="config", target_id=str(config.path),
            details={"changed": changed, "first": last is None, "sections": hashes, "file_owner_uid": owner},
        )
    log.info("configuration changed since the last start: %s", ", ".join(changed))
    return changed
