"""The work-log service: daily entries, the department's dynamics, plan items, the weekly meeting and
the reminder, behind the one object the rest of watchd holds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

from watchd.db.repositories.people import PeopleRepository
from watchd.db.session import Database
from watchd.domain.worklog import ItemStatus, OwnerKind, week_of
from watchd.services.auth import Principal
from watchd.services.duty import DutyService
from watchd.services.visits import ReminderMessage, ReminderSink
from watchd.services.worklog.access import Scope
from watchd.services.worklog.completion import work_log_completion
from watchd.services.worklog.logs import LeaveDays, WorkLogs, no_leave
from watchd.services.worklog.meeting import Meeting, meeting_rows
from watchd.services.worklog.plans import WeeklyPlans
from watchd.services.worklog.reminders import WorkLogReminders
from watchd.services.worklog.views import CommentView, DayEntry, Dynamics, LogView, PlanItemView, WroteRow
from watchd.settings.root import Settings


class WorklogService:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        clock: Callable[[], datetime],
        duty: DutyService,
        is_workday: Callable[[date], bool],
        *,
        reminders: ReminderSink | None = None,
        leave_days: LeaveDays = no_leave,
    ) -> None:
        self.db = db
        self.is_workday = is_workday
        self.leave_days = leave_days
        self.logs = WorkLogs(db, settings, clock, duty, is_workday, leave_days)
        self.plans = WeeklyPlans(db, clock, self.logs.zone_day)
        self.reminder_desk = WorkLogReminders(db, settings, clock, is_workday, reminders, leave_days)

    def today(self) -> date:
        return self.logs.today()

    # -- who am I on the page ----------------------------------------------------------------------
    def scope(self, actor: Principal) -> tuple[str | None, str | None, str | None, bool]:
        """(person id, name, organisation led or None, is administrator) of the login."""
        with self.db.read() as s:
            scope = Scope(PeopleRepository(s), actor)
            me = scope.me
            return (me.id if me else None, me.name if me else None, scope.leads, scope.admin)

    # -- entries -----------------------------------------------------------------------------------
    def day_entry(self, actor: Principal, kind: OwnerKind, owner_id: str, day: date) -> DayEntry:
        return self.logs.day_entry(actor, kind, owner_id, day)

    def write(
        self,
        actor: Principal,
        kind: OwnerKind,
        owner_id: str,
        day: date,
        *,
        done: str,
        problems: str = "",
        plan: str = "",
    ) -> LogView:
        return self.logs.write(actor, kind, owner_id, day, done=done, problems=problems, plan=plan)

    def comment(self, actor: Principal, log_id: int, text: str) -> CommentView:
        return self.logs.comment(actor, log_id, text)

    def entries(
        self, actor: Principal, kind: OwnerKind, owner_id: str, first: date, last: date
    ) -> list[LogView]:
        return self.logs.entries(actor, kind, owner_id, first, last)

    def wrote(
        self, actor: Principal, first: date, last: date, organisation: str | None = None
    ) -> list[WroteRow]:
        return self.logs.wrote(actor, first, last, organisation)

    def dynamics(self, actor: Principal, organisation: str, day: date) -> Dynamics:
        return self.logs.dynamics(actor, organisation, day)

    def completion(self, person_ids: Sequence[str], start: date, end: date) -> dict[str, tuple[int, int]]:
        """{person: (days written, working days due)} in [start, end]; see `work_log_completion`."""
        on_leave = self.leave_days(person_ids, start, end) if person_ids else {}
        with self.db.read() as s:
            return work_log_completion(s, person_ids, start, end, is_workday=self.is_workday, on_leave=on_leave)

    # -- plans and the weekly meeting --------------------------------------------------------------
    def plan_items(self, actor: Principal, kind: OwnerKind, owner_id: str, week: date) -> list[PlanItemView]:
        return self.plans.items(actor, kind, owner_id, week)

    def add_plan_item(
        self, actor: Principal, kind: OwnerKind, owner_id: str, week: date, text: str
    ) -> PlanItemView:
        return self.plans.add(actor, kind, owner_id, week, text)

    def mark_plan_item(
        self, actor: Principal, item_id: int, status: ItemStatus, note: str = ""
    ) -> PlanItemView:
        return self.plans.mark(actor, item_id, status, note)

    def delete_plan_item(self, actor: Principal, item_id: int) -> None:
        self.plans.delete(actor, item_id)

    def meeting(self, actor: Principal | None, week: date, organisation: str | None = None) -> Meeting:
        """The weekly meeting of the organisations the actor reviews (None: everybody, for the command line)."""
        week = week_of(week)
        with self.db.read() as s:
            people = PeopleRepository(s)
            orgs = None if actor is None else Scope(people, actor).organisations(organisation)
            if actor is None and organisation is not None:
                orgs = [organisation]
            rows = [r for r in people.rows() if orgs is None or r.organisation in orgs]
            wrote = self.logs.wrote_rows(s, rows, week, week + timedelta(days=6))
            organisations = sorted({w.organisation for w in wrote} | set(orgs or ()))
            return meeting_rows(s, week, wrote, organisations)

    # -- the daily reminder ------------------------------------------------------------------------
    def send_reminders(self, slot: datetime | None = None) -> list[ReminderMessage]:
        return self.reminder_desk.send(slot)


class CompletionShare:
    """The work log as the appraisal sheet reads it: the share of working days each person wrote an
    entry for (people with no working day due are left out)."""

    def __init__(self, worklog: WorklogService) -> None:
        self.worklog = worklog

    def completion(self, person_ids: Sequence[str], first: date, last: date) -> dict[str, float]:
        counts = self.worklog.completion(person_ids, first, last)
        return {person: written / due for person, (written, due) in counts.items() if due}
