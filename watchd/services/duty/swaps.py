"""Duty swaps (换班): an officer asks, a leader or an administrator decides.

An officer asks for a swap of their own shift (a login whose username is the person id, as for
leave); a leader (login role `leader`) or an administrator approves or rejects it, never for a
swap they are part of. Approval checks the swap again against the roster as it is then.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from watchd.db.models import DutySwap
from watchd.db.repositories.audit import AuditRepository
from watchd.db.repositories.duty import DutyRepository
from watchd.db.repositories.people import PeopleRepository
from watchd.domain.duty import (
    ROLE_NAMES,
    DutyRefused,
    DutyRole,
    Swap,
    SwapStatus,
    approval_deadline,
    check_swap,
)
from watchd.errors import Forbidden, Invalid, NotFound, already_decided
from watchd.messages import request_status_text
from watchd.services.auth import Principal
from watchd.services.duty.roster import DutyRoster, check_people, refused, swap_of
from watchd.services.duty.views import PersonRef, SwapView

log = logging.getLogger(__name__)


class Swaps:
    def __init__(self, roster: DutyRoster) -> None:
        self.roster = roster

    def request_swap(
        self, actor: Principal, *, room_id: str, day: date, role: DutyRole, from_person: str, to_person: str,
        back_day: date | None = None, reason: str = "",
    ) -> SwapView:
        self.roster.check_room(room_id)
        if actor.role not in ("admin", "leader") and actor.username != from_person:
            raise Forbidden("forbidden", f"{actor.username} may only ask to swap their own shifts")
        if len(reason) > 500:
            raise Invalid("reason_too_long", "the reason has at most 500 characters")
        now = self.roster.clock()
        proposal = Swap(0, room_id, day, role, from_person, to_person, back_day)
        with self.roster.db.unit_of_work() as s:
            repo = DutyRepository(s)
            repo.lock_roster()
            check_people(s, [from_person, to_person])
            try:
                check_swap(proposal, self.roster.load(s, *_span(proposal)), self.roster.shifts, self.roster.notice, now)
            except DutyRefused as exc:
                raise refused(exc) from None
            row = repo.add_swap(DutySwap(
                room_id=room_id, day=day, role=role.value, from_person=from_person, to_person=to_person,
                back_day=back_day, reason=reason.strip(), status=SwapStatus.pending.value,
                requested_by=actor.username, requested_at=now,
            ))
            view = self._view(s, row)
        log.info("swap %d requested by %s: %s %s %s → %s", view.id, actor.username, room_id, day, role.value, to_person)
        return view

    def decide_swap(self, actor: Principal, swap_id: int, *, approve: bool, note: str = "") -> SwapView:
        now = self.roster.clock()
        with self.roster.db.unit_of_work() as s:
            repo = DutyRepository(s)
            repo.lock_roster()
            row = repo.swap(swap_id, lock=True)
            if row is None:
                raise NotFound("swap_not_found", f"no swap {swap_id}")
            if actor.role not in ("admin", "leader"):
                raise Forbidden("not_the_leader", f"{actor.username} may not decide swaps")
            if actor.username in (row.from_person, row.to_person):
                raise Forbidden("not_the_leader", f"{actor.username} may not decide their own swap")
            if row.status != SwapStatus.pending.value:
                raise already_decided("swap_already_decided", f"swap {swap_id} is {row.status}", row.status, request_status_text(row.status))
            if approve:
                swap = swap_of(row)
                try:  # against the roster as it is now, which may have changed since the request
                    check_swap(swap, self.roster.load(s, *_span(swap)), self.roster.shifts, self.roster.notice, now)
                except DutyRefused as exc:
                    raise refused(exc) from None
            row.status = (SwapStatus.approved if approve else SwapStatus.rejected).value
            row.decided_by, row.decided_at, row.decision_note = actor.username, now, note.strip()[:500]
            AuditRepository(s).add(
                at=now, actor=f"user:{actor.username}", action=f"duty.swap.{row.status}", target_type="duty_swap",
                target_id=str(row.id), details={"room": row.room_id, "day": row.day.isoformat(), "note": row.decision_note},
            )
            view = self._view(s, row)
        self.roster.changed()
        log.info("swap %d %s by %s", swap_id, view.status, actor.username)
        return view

    def cancel_swap(self, actor: Principal, swap_id: int) -> SwapView:
        with self.roster.db.unit_of_work() as s:
            repo = DutyRepository(s)
            row = repo.swap(swap_id, lock=True)
            if row is None:
                raise NotFound("swap_not_found", f"no swap {swap_id}")
            if actor.role != "admin" and actor.username not in (row.requested_by, row.from_person):
                raise Forbidden("forbidden", f"{actor.username} did not ask for swap {swap_id}")
            if row.status != SwapStatus.pending.value:
                raise already_decided("swap_already_decided", f"swap {swap_id} is {row.status}", row.status, request_status_text(row.status))
            row.status = SwapStatus.cancelled.value
            row.decided_by, row.decided_at = actor.username, self.roster.clock()
            return self._view(s, row)

    def swaps(
        self, *, statuses: Sequence[str] | None = None, person_id: str | None = None, room_id: str | None = None,
        since: date | None = None, limit: int = 200,
    ) -> list[SwapView]:
        with self.roster.db.read() as s:
            repo = DutyRepository(s)
            rows = repo.search_swaps(statuses=statuses, person_id=person_id, room_id=room_id, since=since, limit=limit)
            return [self._view(s, r) for r in rows]

    def _view(self, s: Session, row: DutySwap) -> SwapView:
        names = {pid: p.name for pid, p in PeopleRepository(s).many([row.from_person, row.to_person]).items()}
        return SwapView(
            id=row.id, room_id=row.room_id, room_name=self.roster.room_name(row.room_id), day=row.day, role=row.role,
            role_text=ROLE_NAMES[DutyRole(row.role)],
            from_person=PersonRef(row.from_person, names.get(row.from_person, row.from_person)),
            to_person=PersonRef(row.to_person, names.get(row.to_person, row.to_person)),
            back_day=row.back_day, reason=row.reason, status=row.status,
            status_text=request_status_text(row.status), requested_by=row.requested_by,
            requested_at=row.requested_at, decided_by=row.decided_by, decided_at=row.decided_at,
            decision_note=row.decision_note,
            approve_by=approval_deadline(swap_of(row), self.roster.shifts, self.roster.notice),
        )


def _span(swap: Swap) -> tuple[date, date]:
    return min(swap.days), max(swap.days)
