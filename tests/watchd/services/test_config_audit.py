"""Edits to the configuration file show in the audit log at the next start, by section, without values."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

from tests.helpers.clocks import FakeClock
from watchd.app import Services
from watchd.db.repositories.audit import AuditRepository
from watchd.services.config_audit import audit_config


def entries(services: Services) -> list[dict[str, object]]:
    with services.db.read() as s:
        return [
            {"actor": e.actor, "action": e.action, **e.details}
            for e in AuditRepository(s).search(target_type="config")
        ]


def test_a_changed_section_is_audited_once_and_an_unchanged_start_not_at_all(
    make_services: Callable[..., Services], clock: FakeClock,
) -> None:
    services = make_services()
    first = audit_config(services.db, services.config, clock, "node-a")
    assert "people" in first and "township" in first  # the first start records everything
    assert audit_config(services.db, services.config, clock, "node-a") == []  # a restart, nothing edited

    people = [*services.config.settings.people]
    people[0] = people[0].model_copy(update={"phone": "13900000009"})
    edited = replace(services.config, settings=services.config.settings.model_copy(update={"people": people}))
    assert audit_config(services.db, edited, clock, "node-b") == ["people"]

    latest, first_entry = entries(services)
    assert latest["changed"] == ["people"] and latest["actor"] == "config:node-b"
    assert first_entry["first"] is True
    assert "13900000009" not in json.dumps(latest)  # hashes only: no phone number copied into the log
