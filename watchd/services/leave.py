"""Leave requests and make-up punches (补卡): filing, approval by the person's leader, re-settlement.

Who may do what: an administrator may file and decide anything. A login whose username is a
person id acts as that person: a cadre files their own requests; a leader (a login with role
`leader` for a person whose role is leader or principal_leader) files for and decides the
requests of people in the same organisation, never their own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from watchd.db.models import LeaveRequest, MakeupRequest, Person
from watchd.db.repositories.leave import LeaveRepository
from watchd.db.repositories.people import PeopleRepository
from watchd.db.repositories.sites import SitesRepository
from watchd.db.session import Database
from watchd.domain.attendance.duty import DutyCalendar, NoDutyCalendar
from watchd.domain.attendance.schedule import midnight
from watchd.domain.checkin import local_day
from watchd.domain.leave import (
    LEAVE_NAMES,
    LeaveKind,
    LeaveRefused,
    LeaveSpan,
    RequestStatus,
    check_leave_request,
    check_makeup_request,
    check_no_duty,
    month_bounds,
)
from watchd.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError, already_decided
from watchd.messages import request_status_text
from watchd.services.attendance import AttendanceService
from watchd.services.auth import Principal

log = logging.getLogger(__name__)


def _decided(what: str, request_id: int, state: str) -> ServiceError:
    return already_decided("already_decided", f"{what} {request_id} is {state}", state, request_status_text(state))


LEADER_ROLES = frozenset({"leader", "principal_leader"})


@dataclass(frozen=True, slots=True)
class LeaveView:
    id: int
    person_id: str
    person_name: str
    kind: str
    kind_label: str  # the kind in Chinese
    start_at: datetime
    end_at: datetime
    reason: str
    status: str
    status_label: str  # the status in Chinese
    requested_by: str
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str


@dataclass(frozen=True, slots=True)
class MakeupView:
    id: int
    person_id: str
    person_name: str
    punch_at: datetime
    site_id: str | None
    reason: str
    status: str
    status_label: str
    requested_by: str
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str


def _refused(exc: LeaveRefused) -> ServiceError:
    cls = Conflict if exc.code in {"leave_overlaps", "leave_overlaps_duty", "makeup_cap_reached"} else Invalid
    return cls(exc.code, exc.message, **exc.details)


def person_or_404(people: PeopleRepository, person_id: str) -> Person:
    person = people.get(person_id)
    if person is None:
        raise NotFound("person_not_found", f"no person {person_id!r}")
    return person


def _decidable(
    people: PeopleRepository, actor: Principal, row: LeaveRequest | MakeupRequest, what: str, request_id: int
) -> Person:
    """The request's person, once the actor may decide it and it still waits for a decision."""
    person = person_or_404(people, row.person_id)
    check_may_decide(people, actor, person)
    if row.status != RequestStatus.pending.value:
        raise _decided(what, request_id, row.status)
    return person


def _record_decision(
    row: LeaveRequest | MakeupRequest, actor: Principal, now: datetime, *, approve: bool, note: str
) -> None:
    row.status = (RequestStatus.approved if approve else RequestStatus.rejected).value
    row.decided_by, row.decided_at, row.decision_note = actor.username, now, note.strip()[:500]


def is_leader_of(people: PeopleRepository, actor: Principal, person: Person) -> bool:
    if actor.role != "leader" or actor.username == person.id:
        return False
    me = people.get(actor.username)
    return me is not None and me.role in LEADER_ROLES and me.organisation == person.organisation


def check_may_file(people: PeopleRepository, actor: Principal, person: Person) -> None:
    """The person themself, their leader, or an administrator."""
    if actor.role == "admin" or actor.username == person.id or is_leader_of(people, actor, person):
        return
    raise Forbidden("forbidden", f"{actor.username} may not act for {person.id}")


def check_may_decide(people: PeopleRepository, actor: Principal, person: Person) -> None:
    if actor.role == "admin" or is_leader_of(people, actor, person):
        return
    raise Forbidden("not_the_leader", f"{actor.username} is not a leader of {person.id}")


def visible_people(people: PeopleRepository, actor: Principal) -> list[str] | None:
    """Whose records the actor may see: None for everybody (admin), else the person and, for a leader, their organisation."""
    if actor.role == "admin":
        return None
    me = people.get(actor.username)
    if me is None:
        return []
    if actor.role == "leader" and me.role in LEADER_ROLES:
        return [p.id for p in people.list_active() if p.organisation == me.organisation]
    return [me.id]


def narrow(allowed: list[str] | None, person_id: str | None) -> list[str] | None:
    """The person ids to query: the one asked for (if visible), else every visible one."""
    if allowed is None:
        return [person_id] if person_id else None
    return [p for p in ([person_id] if person_id else allowed) if p in allowed]


class LeaveService:
    def __init__(
        self, db: Database, attendance: AttendanceService, clock: Callable[[], datetime], *,
        duty: DutyCalendar | None = None,
    ) -> None:
        self.db = db
        self.attendance = attendance
        self.clock = clock
        self.zone = attendance.zone
        self.duty: DutyCalendar = duty or NoDutyCalendar()
        self.lookback = timedelta(days=attendance.config.lookback_days)
        self.cap = attendance.config.makeup_monthly_cap

    # -- leave -------------------------------------------------------------------------------------
    def request_leave(
        self, actor: Principal, *, person_id: str, kind: LeaveKind, start: datetime, end: datetime, reason: str
    ) -> LeaveView:
        now = self.clock()
        with self.db.unit_of_work() as s:
            people, repo = PeopleRepository(s), LeaveRepository(s)
            person = person_or_404(people, person_id)
            check_may_file(people, actor, person)
            repo.lock_person(person_id)
            existing = [LeaveSpan(LeaveKind(r.kind), r.start_at, r.end_at) for r in repo.open_leave_of(person_id, start, end)]
            try:
                check_leave_request(start=start, end=end, reason=reason, now=now, lookback=self.lookback, existing=existing)
                check_no_duty(person_id, start, end, self.zone, self.duty)
            except LeaveRefused as exc:
                raise _refused(exc) from None
            row = repo.add_leave(
                LeaveRequest(
                    person_id=person_id, kind=kind.value, start_at=start, end_at=end, reason=reason.strip(),
                    status=RequestStatus.pending.value, requested_by=actor.username, created_at=now,
                )
            )
            view = _leave_view(row, person.name)
        log.info("leave %d filed for %s (%s, %s to %s) by %s", view.id, person_id, kind.value, start, end, actor.username)
        return view

    def decide_leave(self, actor: Principal, request_id: int, *, approve: bool, note: str = "") -> LeaveView:
        now = self.clock()
        with self.db.unit_of_work() as s:
            people, repo = PeopleRepository(s), LeaveRepository(s)
            row = repo.leave(request_id, lock=True)
            if row is None:
                raise NotFound("leave_not_found", f"no leave request {request_id}")
            person = _decidable(people, actor, row, "leave request", request_id)
            if approve:
                try:  # the roster may have changed since the request was filed
                    check_no_duty(row.person_id, row.start_at, row.end_at, self.zone, self.duty)
                except LeaveRefused as exc:
                    raise _refused(exc) from None
            _record_decision(row, actor, now, approve=approve, note=note)
            view = _leave_view(row, person.name)
        log.info("leave %d %s by %s", request_id, view.status, actor.username)
        if approve:
            self.attendance.resettle(view.person_id, view.start_at, view.end_at)
        return view

    def cancel_leave(self, actor: Principal, request_id: int) -> LeaveView:
        with self.db.unit_of_work() as s:
            people, repo = PeopleRepository(s), LeaveRepository(s)
            row = repo.leave(request_id, lock=True)
            if row is None:
                raise NotFound("leave_not_found", f"no leave request {request_id}")
            person = person_or_404(people, row.person_id)
            check_may_file(people, actor, person)
            if row.status not in (RequestStatus.pending.value, RequestStatus.approved.value):
                raise _decided("leave request", request_id, row.status)
            was_approved = row.status == RequestStatus.approved.value
            row.status = RequestStatus.cancelled.value
            row.decided_by, row.decided_at = actor.username, self.clock()
            view = _leave_view(row, person.name)
        if was_approved:
            self.attendance.resettle(view.person_id, view.start_at, view.end_at)
        return view

    def list_leave(
        self, actor: Principal, *, status: RequestStatus | None = None, person_id: str | None = None,
        month: date | None = None, limit: int = 500,
    ) -> list[LeaveView]:
        with self.db.read() as s:
            wanted = narrow(visible_people(PeopleRepository(s), actor), person_id)
        start = end = None
        if month is not None:
            first, nxt = month_bounds(month)
            start, end = midnight(first, self.zone), midnight(nxt, self.zone)
        with self.db.read() as s:
            rows = LeaveRepository(s).search_leave(
                status=status.value if status else None, person_ids=wanted, start=start, end=end, limit=limit
            )
            names = _names(s, {r.person_id for r in rows})
            return [_leave_view(r, names.get(r.person_id, r.person_id)) for r in rows]

    # -- make-up punches -------------------------------------------------------------------------------
    def request_makeup(
        self, actor: Principal, *, person_id: str, at: datetime, site_id: str | None, reason: str
    ) -> MakeupView:
        now = self.clock()
        with self.db.unit_of_work() as s:
            people, repo = PeopleRepository(s), LeaveRepository(s)
            person = person_or_404(people, person_id)
            check_may_file(people, actor, person)
            if site_id is not None and SitesRepository(s).get_site(site_id) is None:
                raise NotFound("site_not_found", f"no site {site_id!r}")
            repo.lock_person(person_id)
            if at.tzinfo is None:
                raise Invalid("naive_time", "the punch time must carry a UTC offset")
            resent = repo.open_makeup_at(person_id, at)
            if resent is not None:  # the same request again (a double tap, a retry): nothing new
                return _makeup_view(resent, person.name)
            first, nxt = month_bounds(local_day(at, self.zone))
            used = repo.count_makeups(person_id, midnight(first, self.zone), midnight(nxt, self.zone))
            try:
                check_makeup_request(at=at, reason=reason, now=now, lookback=self.lookback, used_this_month=used, cap=self.cap)
            except LeaveRefused as exc:
                raise _refused(exc) from None
            row = repo.add_makeup(
                MakeupRequest(
                    person_id=person_id, punch_at=at, site_id=site_id, reason=reason.strip(),
                    status=RequestStatus.pending.value, requested_by=actor.username, created_at=now,
                )
            )
            view = _makeup_view(row, person.name)
        log.info("make-up punch %d filed for %s at %s by %s", view.id, person_id, at, actor.username)
        return view

    def decide_makeup(self, actor: Principal, request_id: int, *, approve: bool, note: str = "") -> MakeupView:
        now = self.clock()
        with self.db.unit_of_work() as s:
            people, repo = PeopleRepository(s), LeaveRepository(s)
            row = repo.makeup(request_id, lock=True)
            if row is None:
                raise NotFound("makeup_not_found", f"no make-up punch request {request_id}")
            person = _decidable(people, actor, row, "make-up request", request_id)
            _record_decision(row, actor, now, approve=approve, note=note)
            view = _makeup_view(row, person.name)
        log.info("make-up punch %d %s by %s", request_id, view.status, actor.username)
        if approve:
            self.attendance.resettle(view.person_id, view.punch_at, view.punch_at)
        return view

    def list_makeups(
        self, actor: Principal, *, status: RequestStatus | None = None, person_id: str | None = None, limit: int = 500
    ) -> list[MakeupView]:
        with self.db.read() as s:
            wanted = narrow(visible_people(PeopleRepository(s), actor), person_id)
            rows = LeaveRepository(s).search_makeups(
                status=status.value if status else None, person_ids=wanted, limit=limit
            )
            names = _names(s, {r.person_id for r in rows})
            return [_makeup_view(r, names.get(r.person_id, r.person_id)) for r in rows]


def _names(session: Session, ids: set[str]) -> dict[str, str]:
    people = PeopleRepository(session)
    out = {}
    for pid in ids:
        p = people.get(pid, include_deleted=True)
        out[pid] = p.name if p else pid
    return out


def _leave_view(r: LeaveRequest, name: str) -> LeaveView:
    return LeaveView(
        id=r.id, person_id=r.person_id, person_name=name, kind=r.kind,
        kind_label=LEAVE_NAMES.get(LeaveKind(r.kind), r.kind), start_at=r.start_at, end_at=r.end_at,
        reason=r.reason, status=r.status, status_label=request_status_text(r.status), requested_by=r.requested_by, created_at=r.created_at,
        decided_by=r.decided_by, decided_at=r.decided_at, decision_note=r.decision_note,
    )


def _makeup_view(r: MakeupRequest, name: str) -> MakeupView:
    return MakeupView(
        id=r.id, person_id=r.person_id, person_name=name, punch_at=r.punch_at, site_id=r.site_id, reason=r.reason,
        status=r.status, status_label=request_status_text(r.status), requested_by=r.requested_by, created_at=r.created_at,
        decided_by=r.decided_by, decided_at=r.decided_at, decision_note=r.decision_note,
    )
