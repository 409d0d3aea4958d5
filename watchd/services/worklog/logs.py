"""Writing, reading and commenting daily entries; who wrote on which days; a department's dynamics."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence, Set
from datetime import date, datetime

from sqlalchemy.orm import Session

from watchd.db.models import WorkLog, WorkLogComment, WorkLogRevision
from watchd.db.repositories.people import PeopleRepository, PersonRow
from watchd.db.repositories.worklog import WorklogRepository
from watchd.db.session import Database
from watchd.domain.checkin import local_day
from watchd.domain.worklog import (
    MAX_COMMENT,
    MAX_DONE,
    MAX_PLAN,
    MAX_PROBLEMS,
    OwnerKind,
    WriteRefused,
    check_writable,
    last_open_day,
    locked,
)
from watchd.errors import Conflict, Forbidden, Invalid, NotFound
from watchd.services.auth import Principal
from watchd.services.duty import DutyService
from watchd.services.worklog.access import Scope
from watchd.services.worklog.prefill import suggested_lines
from watchd.services.worklog.views import (
    CommentView,
    DayEntry,
    Dynamics,
    LogView,
    MemberRef,
    RevisionView,
    WroteRow,
)
from watchd.settings.root import Settings


def refused(exc: WriteRefused) -> Invalid | Conflict:
    return (
        Invalid(exc.code, exc.message)
        if exc.code == "worklog_future_day"
        else Conflict(exc.code, exc.message)
    )


def owes_log(row: PersonRow, roles: set[str], day: date, zone_day: Callable[[datetime], date]) -> bool:
    """The person owes an entry for `day`: their role writes logs and they were employed that day."""
    return (
        row.role in roles
        and zone_day(row.created_at) <= day
        and (row.deleted_at is None or zone_day(row.deleted_at) > day)
    )


LeaveDays = Callable[[Sequence[str] | None, date, date], Mapping[str, Set[date]]]


def no_leave(person_ids: Sequence[str] | None, first: date, last: date) -> Mapping[str, Set[date]]:
    return {}


class WorkLogs:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        clock: Callable[[], datetime],
        duty: DutyService,
        is_workday: Callable[[date], bool],
        leave_days: LeaveDays = no_leave,
    ) -> None:
        self.db = db
        self.leave_days = leave_days  # a person wholly on approved leave owes no entry that day
        self.zone = settings.zone
        self.config = settings.worklog
        self.clock = clock
        self.duty = duty
        self.is_workday = is_workday

    def today(self) -> date:
        return local_day(self.clock(), self.zone)

    def zone_day(self, at: datetime) -> date:
        return local_day(at, self.zone)

    # ---- one entry ----------------------------------------------------------------------------

    def day_entry(self, actor: Principal, kind: OwnerKind, owner_id: str, day: date) -> DayEntry:
        today = self.today()
        with self.db.read() as s:
            people = PeopleRepository(s)
            Scope(people, actor).check_read(kind, owner_id)
            repo = WorklogRepository(s)
            row = repo.log(kind, owner_id, day)
            entry = self._views(s, [row])[0] if row is not None else None
            suggested: list[str] = []
            if kind is OwnerKind.person and day <= today:
                suggested = suggested_lines(repo, owner_id, day, self.zone, self.duty.roster(day, day))
            name = self._owner_name(people, kind, owner_id)
        return DayEntry(
            owner_kind=kind.value,
            owner_id=owner_id,
            owner_name=name,
            day=day,
            entry=entry,
            suggested=suggested,
            writable=day <= today and not locked(day, today, self.config.lock_days),
            last_open_day=last_open_day(day, self.config.lock_days),
        )

    def write(
        self,
        actor: Principal,
        kind: OwnerKind,
        owner_id: str,
        day: date,
        *,
        done: str,
        problems: str,
        plan: str,
    ) -> LogView:
        done, problems, plan = done.strip(), problems.strip(), plan.strip()
        for value, limit, field in (
            (done, MAX_DONE, "done"),
            (problems, MAX_PROBLEMS, "problems"),
            (plan, MAX_PLAN, "plan"),
        ):
            if len(value) > limit:
                raise Invalid(
                    "worklog_too_long", f"{field} is longer than {limit} characters", field=field, limit=limit
                )
        if not (done or problems or plan):
            raise Invalid("worklog_empty", "an entry needs at least one of done, problems, plan")
        now = self.clock()
        with self.db.unit_of_work() as s:
            people = PeopleRepository(s)
            Scope(people, actor).check_write(kind, owner_id)
            if kind is OwnerKind.department and not any(
                p.organisation == owner_id for p in people.list_active()
            ):
                raise NotFound("worklog_unknown_department", f"nobody belongs to organisation {owner_id!r}")
            try:
                check_writable(day, self.zone_day(now), self.config.lock_days)
            except WriteRefused as exc:
                raise refused(exc) from None
            repo = WorklogRepository(s)
            row = repo.log(kind, owner_id, day, lock=True)
            if row is None:
                row = WorkLog(
                    owner_kind=kind.value,
                    owner_id=owner_id,
                    day=day,
                    done=done,
                    problems=problems,
                    plan=plan,
                    version=1,
                    written_by=actor.username,
                    created_at=now,
                    updated_at=now,
                )
                if not repo.add_log(row):
                    raise Conflict(
                        "worklog_written_meanwhile", f"{owner_id}'s entry for {day} was just saved"
                    )
            elif (row.done, row.problems, row.plan) != (done, problems, plan):
                repo.add_revision(
                    WorkLogRevision(
                        log_id=row.id,
                        version=row.version,
                        done=row.done,
                        problems=row.problems,
                        plan=row.plan,
                        written_by=row.written_by,
                        written_at=row.updated_at,
                        replaced_at=now,
                        replaced_by=actor.username,
                    )
                )
                row.done, row.problems, row.plan = done, problems, plan
                row.version += 1
                row.written_by, row.updated_at = actor.username, now
                s.flush()
            return self._views(s, [row])[0]

    def comment(self, actor: Principal, log_id: int, text: str) -> CommentView:
        text = text.strip()
        if not text or len(text) > MAX_COMMENT:
            raise Invalid("worklog_comment_length", f"a comment has 1 to {MAX_COMMENT} characters")
        now = self.clock()
        with self.db.unit_of_work() as s:
            people = PeopleRepository(s)
            repo = WorklogRepository(s)
            row = repo.log_by_id(log_id)
            if row is None:
                raise NotFound("worklog_not_found", f"no work log {log_id}")
            scope = Scope(people, actor)
            org = (
                row.owner_id
                if row.owner_kind == OwnerKind.department
                else (p.organisation if (p := people.get(row.owner_id, include_deleted=True)) else None)
            )
            if org is None or not scope.may_review(org) or actor.username == row.owner_id:
                raise Forbidden("worklog_not_reviewer", f"{actor.username} may not comment on log {log_id}")
            made = repo.add_comment(
                WorkLogComment(log_id=log_id, author=actor.username, text=text, created_at=now)
            )
            return CommentView(
                made.id,
                made.author,
                self._names(people, [made.author])[made.author],
                made.text,
                made.created_at,
            )

    def entries(
        self, actor: Principal, kind: OwnerKind, owner_id: str, first: date, last: date
    ) -> list[LogView]:
        with self.db.read() as s:
            Scope(PeopleRepository(s), actor).check_read(kind, owner_id)
            return self._views(s, WorklogRepository(s).logs(kind, [owner_id], first, last))

    # ---- the leader's views -------------------------------------------------------------------

    def wrote(
        self, actor: Principal, first: date, last: date, organisation: str | None = None
    ) -> list[WroteRow]:
        """Per person who owes entries: the days written and the working days due in [first, last]."""
        with self.db.read() as s:
            people = PeopleRepository(s)
            orgs = Scope(people, actor).organisations(organisation)
            rows = [r for r in people.rows() if orgs is None or r.organisation in orgs]
            return self.wrote_rows(s, rows, first, last)

    def wrote_rows(self, s: Session, rows: Sequence[PersonRow], first: date, last: date) -> list[WroteRow]:
        roles = {r.value for r in self.config.roles}
        days = [date.fromordinal(o) for o in range(first.toordinal(), last.toordinal() + 1)]
        workdays = [d for d in days if self.is_workday(d)]
        owing = {r.id: r for r in rows if any(owes_log(r, roles, d, self.zone_day) for d in days)}
        written: dict[str, list[date]] = defaultdict(list)
        for owner, day in WorklogRepository(s).written_days(OwnerKind.person, list(owing), first, last):
            written[owner].append(day)
        on_leave = self.leave_days(list(owing), first, last) if owing else {}
        return [
            WroteRow.of(
                r.id,
                r.name,
                r.organisation,
                sorted(written.get(r.id, [])),
                [
                    d
                    for d in workdays
                    if owes_log(r, roles, d, self.zone_day) and d not in on_leave.get(r.id, ())
                ],
            )
            for r in sorted(owing.values(), key=lambda r: (r.organisation, r.id))
        ]

    def dynamics(self, actor: Principal, organisation: str, day: date) -> Dynamics:
        """每日工作动态: the department's own line and every member's entry of the day."""
        roles = {r.value for r in self.config.roles}
        with self.db.read() as s:
            people = PeopleRepository(s)
            Scope(people, actor).check_read(OwnerKind.department, organisation)
            members = [r for r in people.rows() if r.organisation == organisation]
            repo = WorklogRepository(s)
            logs = repo.logs(OwnerKind.person, [m.id for m in members], day, day)
            line = repo.log(OwnerKind.department, organisation, day)
            views = self._views(s, [*logs, *([line] if line is not None else [])])
            wrote = {v.owner_id for v in views}
            on_leave = self.leave_days([m.id for m in members], day, day) if members else {}
            missing = [
                MemberRef(m.id, m.name)
                for m in members
                if m.id not in wrote
                and owes_log(m, roles, day, self.zone_day)
                and self.is_workday(day)
                and day not in on_leave.get(m.id, ())
            ]
        person_views = [v for v in views if v.owner_kind == OwnerKind.person]
        line_view = next((v for v in views if v.owner_kind == OwnerKind.department), None)
        return Dynamics(organisation, day, line_view, person_views, missing)

    # ---- views --------------------------------------------------------------------------------

    def _views(self, s: Session, rows: Sequence[WorkLog]) -> list[LogView]:
        repo, people = WorklogRepository(s), PeopleRepository(s)
        ids = [r.id for r in rows]
        history: dict[int, list[RevisionView]] = defaultdict(list)
        for v in repo.revisions(ids):
            history[v.log_id].append(
                RevisionView(
                    v.version,
                    v.done,
                    v.problems,
                    v.plan,
                    v.written_by,
                    v.written_at,
                    v.replaced_at,
                    v.replaced_by,
                )
            )
        comments = repo.comments(ids)
        names = self._names(
            people,
            [c.author for c in comments] + [r.owner_id for r in rows if r.owner_kind == OwnerKind.person],
        )
        notes: dict[int, list[CommentView]] = defaultdict(list)
        for c in comments:
            notes[c.log_id].append(
                CommentView(c.id, c.author, names.get(c.author, c.author), c.text, c.created_at)
            )
        today = self.today()
        return [
            LogView(
                id=r.id,
                owner_kind=r.owner_kind,
                owner_id=r.owner_id,
                owner_name=names.get(r.owner_id, r.owner_id),
                day=r.day,
                done=r.done,
                problems=r.problems,
                plan=r.plan,
                version=r.version,
                written_by=r.written_by,
                created_at=r.created_at,
                updated_at=r.updated_at,
                locked=locked(r.day, today, self.config.lock_days),
                history=history.get(r.id, []),
                comments=notes.get(r.id, []),
            )
            for r in rows
        ]

    @staticmethod
    def _names(people: PeopleRepository, ids: Sequence[str]) -> dict[str, str]:
        return {pid: p.name for pid, p in people.many(ids).items()}

    def _owner_name(self, people: PeopleRepository, kind: OwnerKind, owner_id: str) -> str:
        if kind is OwnerKind.department:
            return owner_id
        return self._names(people, [owner_id]).get(owner_id, owner_id)
