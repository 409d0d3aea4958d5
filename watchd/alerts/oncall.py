"""Who is on call now. One protocol, so the duty roster can replace the configured list later."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from watchd.db.repositories.people import PeopleRepository
from watchd.db.session import Database
from watchd.settings.alerts import OnCallEntry


@dataclass(frozen=True, slots=True)
class Contact:
    person_id: str
    name: str
    phone: str | None


@dataclass(frozen=True, slots=True)
class OnCall:
    leader: Contact | None  # 带班领导
    principal: Contact | None  # 主要领导


class OnCallDirectory(Protocol):
    def on_call(self, site_id: str, now: datetime) -> OnCall: ...


class ConfiguredOnCall:
    """`[[alerts.on_call]]`: the first entry whose sites include the site (or that lists none).
    Names and phone numbers come from the people table, so an edited phone number takes effect."""

    def __init__(self, db: Database, entries: Sequence[OnCallEntry]) -> None:
        self.db = db
        self.entries = list(entries)

    def on_call(self, site_id: str, now: datetime) -> OnCall:
        entry = next((e for e in self.entries if not e.sites or site_id in e.sites), None)
        if entry is None:
            return OnCall(None, None)
        with self.db.read() as s:
            people = PeopleRepository(s)
            found = {pid: people.get(pid) for pid in (entry.leader, entry.principal)}
            contacts = {
                pid: Contact(p.id, p.name, p.phone) if p is not None else None for pid, p in found.items()
            }
        return OnCall(contacts[entry.leader], contacts[entry.principal])
