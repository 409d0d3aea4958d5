"""Who an escalation step reaches, and what happens when the one it names cannot be reached.

An alert must never go to nobody. Each role a step targets is resolved along a chain: the role's
own contact (the leader on duty 带班领导, or the principal leader 主要领导), then the principal
leader, then the administrator contacts of `[notices]`. Whenever a role's own contact is missing
or has no phone number, the step tells the next one in the chain, the incident's timeline says
so, and the administrator gets a `no_recipient` notice (after the step's transaction commits, so
the notice never waits on the escalation's write lock). The notice clears the next time that
site's chain resolves for the role.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import event
from sqlalchemy.orm import Session

from watchd.alerts.oncall import Contact, OnCall
from watchd.db.repositories.people import PeopleRepository
from watchd.domain.escalation import Role
from watchd.domain.notices import Notice, NoticeKind, NoticeSink

log = logging.getLogger(__name__)
ROLE_TEXT = {Role.leader: "带班领导", Role.principal: "主要领导"}


@dataclass(slots=True)
class Resolution:
    contacts: list[Contact] = field(default_factory=list)  # everyone to tell, each once, in order
    fallbacks: list[tuple[Role, list[Contact]]] = field(
        default_factory=list
    )  # roles nobody of their own answered


def after_commit(session: Session, call: Callable[[], None]) -> None:
    """Call once the session's outermost transaction has committed. (A savepoint's commit fires
    `after_commit` too, while the outer transaction still holds SQLite's write lock.)"""
    done = False

    def listener(s: Session) -> None:
        nonlocal done
        if not done and not s.in_nested_transaction():
            done = True
            call()

    event.listen(session, "after_commit", listener)


def reachable(contact: Contact | None) -> bool:
    return contact is not None and bool(contact.phone)


class RecipientChain:
    def __init__(self, admin_contacts: Sequence[str], notices: Callable[[], NoticeSink | None]) -> None:
        self.admin_contacts = list(admin_contacts)
        self.notices = notices  # read at send time: the notice service is built after the alert service

    def resolve(self, session: Session, on_call: OnCall, targets: Sequence[Role]) -> Resolution:
        out = Resolution()

        def add(contact: Contact) -> None:
            if contact.person_id not in {c.person_id for c in out.contacts}:
                out.contacts.append(contact)

        for role in targets:
            own = on_call.leader if role == Role.leader else on_call.principal
            if own is not None and reachable(own):
                add(own)
                continue
            chain = [on_call.principal] if role == Role.leader and reachable(on_call.principal) else []
            found = [c for c in chain if c is not None] or self._administrators(session)
            for contact in found:
                add(contact)
            out.fallbacks.append((role, found))
        return out

    def _administrators(self, session: Session) -> list[Contact]:
        people = PeopleRepository(session)
        found = [people.get(pid) for pid in self.admin_contacts]
        return [Contact(p.id, p.name, p.phone) for p in found if p is not None and p.phone]

    def report_after_commit(
        self,
        session: Session,
        site_id: str,
        site_name: str,
        resolution: Resolution,
        targets: Sequence[Role],
        now: datetime,
    ) -> None:
        """Raise a notice for each role that fell back, clear it for each that resolved; once committed."""
        sink = self.notices()
        if sink is None:
            return
        fell_back = dict(resolution.fallbacks)
        notices = [
            self._notice(site_id, site_name, role, fell_back.get(role), now)
            for role in dict.fromkeys(targets)
        ]

        def report() -> None:
            for notice in notices:
                sink.notice(notice)

        after_commit(session, report)

    @staticmethod
    def _notice(
        site_id: str, site_name: str, role: Role, told: list[Contact] | None, now: datetime
    ) -> Notice:
        subject = f"{site_id}:{role.value}"
        if told is None:
            return Notice(kind=NoticeKind.no_recipient, subject=subject, observed_at=now, active=False)
        names = "、".join(c.name for c in told)
        text = (
            f"{site_name}的警情找不到有手机号的{ROLE_TEXT[role]}，"
            + (f"已改发给{names}。" if told else "也没有可改发的人，警情只显示在值班页面上。")
            + "请在值班表、alerts.on_call 或人员的手机号中补全。"
        )
        return Notice(
            kind=NoticeKind.no_recipient,
            subject=subject,
            observed_at=now,
            text=text,
            details={"site": site_id, "role": role.value, "told": ",".join(c.person_id for c in told)},
        )
