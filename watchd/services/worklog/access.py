"""Who may write, read and comment which work logs and plan items.

A person writes only their own entry and plan (a login whose username is the person id). A
department's line and plan are written by the leaders of that organisation (a `leader` login for a
person whose role is leader or principal_leader) and administrators. Leaders read and comment the
entries of their organisation; administrators everybody's.
"""

from __future__ import annotations

from collections.abc import Sequence

from watchd.db.models import Person
from watchd.db.repositories.people import PeopleRepository
from watchd.domain.worklog import OwnerKind
from watchd.errors import Forbidden
from watchd.services.auth import Principal
from watchd.services.leave import LEADER_ROLES


class Scope:
    """The actor as seen by the work log: their person (if any) and the organisation they lead."""

    def __init__(self, people: PeopleRepository, actor: Principal) -> None:
        self.actor = actor
        self.people = people
        self.me: Person | None = people.get(actor.username)
        self.admin = actor.role == "admin"
        self.leads: str | None = (
            self.me.organisation
            if self.me is not None and actor.role == "leader" and self.me.role in LEADER_ROLES
            else None
        )

    def check_write(self, owner_kind: OwnerKind, owner_id: str) -> None:
        if owner_kind is OwnerKind.person:
            if self.me is None or self.me.id != owner_id:
                raise Forbidden(
                    "worklog_not_yours", f"{self.actor.username} may not write {owner_id}'s work log"
                )
            return
        if not (self.admin or (self.leads is not None and self.leads == owner_id)):
            raise Forbidden(
                "worklog_not_your_department",
                f"{self.actor.username} may not write for department {owner_id!r}",
            )

    def may_review(self, organisation: str) -> bool:
        return self.admin or (self.leads is not None and self.leads == organisation)

    def check_read(self, owner_kind: OwnerKind, owner_id: str) -> None:
        if owner_kind is OwnerKind.person:
            if self.me is not None and self.me.id == owner_id:
                return
            person = self.people.get(owner_id, include_deleted=True)
            if person is not None and self.may_review(person.organisation):
                return
            raise Forbidden(
                "worklog_not_visible", f"{self.actor.username} may not read {owner_id}'s work log"
            )
        if self.may_review(owner_id) or (self.me is not None and self.me.organisation == owner_id):
            return
        raise Forbidden("worklog_not_visible", f"{self.actor.username} may not read department {owner_id!r}")

    def organisations(self, asked: str | None) -> Sequence[str] | None:
        """The organisations the actor reviews: the one asked for (if allowed), None for all (admin)."""
        if self.admin:
            return None if asked is None else [asked]
        if self.leads is None:
            raise Forbidden("worklog_not_a_leader", f"{self.actor.username} leads no organisation")
        if asked is not None and asked != self.leads:
            raise Forbidden("worklog_not_visible", f"{self.actor.username} does not lead {asked!r}")
        return [self.leads]
