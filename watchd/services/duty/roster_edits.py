"""Changing the roster: an administrator sets one room's day or imports the office's 值班表.

An import is all or nothing: every bad row (including people on duty twice the same day, against
the file and the stored roster) is reported, and nothing is written unless the whole file is good.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from watchd.db.repositories.audit import AuditRepository
from watchd.db.repositories.duty import DutyRepository
from watchd.db.repositories.people import PeopleRepository
from watchd.domain.duty import (
    MAX_LEADERS,
    MAX_OFFICERS,
    Assignment,
    DutyRefused,
    DutyRole,
    SwapStatus,
    build_roster,
    check_day_plan,
)
from watchd.errors import Forbidden, Invalid
from watchd.services.auth import Principal
from watchd.services.duty.roster import DutyRoster, check_people, refused, swap_of
from watchd.services.duty.roster_file import (
    DayPlan,
    Directory,
    RosterFileError,
    RowError,
    parse_rows,
    plan_people,
    read_roster,
)
from watchd.services.duty.views import ImportReport, ShiftView

log = logging.getLogger(__name__)


def admin_only(actor: Principal) -> None:
    if actor.role != "admin":
        raise Forbidden("forbidden", f"role {actor.role!r} may not change the duty roster")


class RosterEdits:
    def __init__(self, roster: DutyRoster) -> None:
        self.roster = roster

    def set_day(
        self, actor: Principal, room_id: str, day: date, *, officers: Sequence[str], leaders: Sequence[str]
    ) -> ShiftView:
        """Replace the plan of one room's shift (approved swaps still apply on top)."""
        admin_only(actor)
        self.roster.check_room(room_id)
        now = self.roster.clock()
        with self.roster.db.unit_of_work() as s:
            repo = DutyRepository(s)
            repo.lock_roster()
            check_people(s, [*officers, *leaders])
            try:
                check_day_plan(room_id, day, officers, leaders, self.roster.load(s, day, day))
            except DutyRefused as exc:
                raise refused(exc) from None
            plan = [(DutyRole.officer.value, p) for p in officers] + [(DutyRole.leader.value, p) for p in leaders]
            repo.replace_day(room_id, day, plan, now=now, by=actor.username)
            AuditRepository(s).add(
                at=now, actor=f"user:{actor.username}", action="duty.roster.set", target_type="duty_shift",
                target_id=f"{room_id}:{day.isoformat()}", details={"officers": list(officers), "leaders": list(leaders)},
            )
        self.roster.changed()
        log.info("duty roster %s %s set by %s: officers %s, leaders %s", room_id, day, actor.username,
                 list(officers), list(leaders))
        return self.roster.roster(day, day, room_id)[0]

    def import_roster(self, actor: Principal, filename: str, data: bytes, *, dry_run: bool = False) -> ImportReport:
        """Read a 值班表 (CSV or XLSX); write every day it names, or nothing when any row is bad."""
        admin_only(actor)
        try:
            table = read_roster(filename, data)
        except RosterFileError as exc:
            raise Invalid(exc.code, exc.message) from None
        now = self.roster.clock()
        with self.roster.db.unit_of_work() as s:
            repo = DutyRepository(s)
            repo.lock_roster()
            directory = Directory(
                people={p.id: p.name for p in PeopleRepository(s).list_active()}, rooms=dict(self.roster.room_names)
            )
            try:
                parsed = parse_rows(table, directory)
            except RosterFileError as exc:
                raise Invalid(exc.code, exc.message) from None
            errors = list(parsed.errors)
            if parsed.plans:
                errors += self._conflicts(s, parsed.plans)
            written = not errors and not dry_run and bool(parsed.plans)
            if written:
                for plan in parsed.plans:
                    people = [(DutyRole.officer.value, p) for p in plan.officers]
                    people += [(DutyRole.leader.value, p) for p in plan.leaders]
                    repo.replace_day(plan.room_id, plan.day, people, now=now, by=actor.username)
                AuditRepository(s).add(
                    at=now, actor=f"user:{actor.username}", action="duty.roster.import", target_type="duty_roster",
                    target_id=filename[:100], details={
                        "days": len(parsed.plans), "first": min(p.day for p in parsed.plans).isoformat(),
                        "last": max(p.day for p in parsed.plans).isoformat(),
                    },
                )
        if written:
            self.roster.changed()
            log.info("duty roster imported by %s from %s: %d days", actor.username, filename, len(parsed.plans))
        errors.sort(key=lambda e: (e.row, e.column))
        return ImportReport(
            rows=parsed.rows, days=len(parsed.plans) if not errors else 0, errors=errors, written=written,
            first=min((p.day for p in parsed.plans), default=None), last=max((p.day for p in parsed.plans), default=None),
        )

    def _conflicts(self, s: Session, plans: Sequence[DayPlan]) -> list[RowError]:
        """Row errors for people on duty twice the same day, against the file and the stored roster."""
        first, last = min(p.day for p in plans), max(p.day for p in plans)
        repo = DutyRepository(s)
        replaced = {(p.room_id, p.day) for p in plans}
        kept = [
            Assignment(a.room_id, a.day, DutyRole(a.role), a.person_id)
            for a in repo.assignments(first, last) if (a.room_id, a.day) not in replaced
        ]
        new = [
            Assignment(p.room_id, p.day, role, person)
            for p in plans
            for role, people in ((DutyRole.officer, p.officers), (DutyRole.leader, p.leaders))
            for person in people
        ]
        swaps = [swap_of(r) for r in repo.swaps_touching(first, last, statuses=[SwapStatus.approved.value])]
        roster = build_roster([*kept, *new], swaps)
        names = {pid: p.name for pid, p in PeopleRepository(s).many(plan_people(plans)).items()}
        errors: list[RowError] = []
        for plan in plans:
            try:
                check_day_plan(plan.room_id, plan.day, plan.officers, plan.leaders, roster)
            except DutyRefused as exc:
                person = str(exc.details.get("person_id", ""))
                other = str(exc.details.get("room", ""))
                message = {
                    "roster_double_booked": f"{names.get(person, person)} 同一天还在{self.roster.room_name(other)}值班",
                    "roster_person_twice": f"{names.get(person, person)} 在这一行出现两次",
                    "roster_too_many": f"每班最多 {MAX_OFFICERS} 名值班人员、{MAX_LEADERS} 名带班领导",
                }.get(exc.code, exc.message)
                errors.append(RowError(plan.row, "值班人员", names.get(person, person), exc.code, message))
        return errors
