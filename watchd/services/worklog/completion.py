"""Work-log completion per person: entries written on the working days they owed one.

`work_log_completion` is what other parts read (the appraisal sheet): it takes an open session, so it
joins their unit of work, a workday predicate (e.g. `AttendanceService.is_workday`) and the days on
approved leave (e.g. `AttendanceService.leave_days`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence, Set
from datetime import date

from sqlalchemy.orm import Session

from watchd.db.repositories.worklog import WorklogRepository
from watchd.domain.worklog import OwnerKind


def work_log_completion(
    session: Session,
    person_ids: Sequence[str],
    start: date,
    end: date,
    *,
    is_workday: Callable[[date], bool],
    on_leave: Mapping[str, Set[date]] | None = None,
) -> dict[str, tuple[int, int]]:
    """{person id: (days written, days due)} for [start, end] (both included). Due days are the working
    days of the calendar less a person's days wholly on approved leave (`on_leave`); an entry on a rest
    day or a leave day is welcome but neither owed nor counted."""
    workdays = {date.fromordinal(o) for o in range(start.toordinal(), end.toordinal() + 1)}
    workdays = {d for d in workdays if is_workday(d)}
    leave = on_leave or {}
    written: dict[str, int] = defaultdict(int)
    for owner, day in WorklogRepository(session).written_days(OwnerKind.person, list(person_ids), start, end):
        if day in workdays and day not in leave.get(owner, ()):
            written[owner] += 1
    return {pid: (written.get(pid, 0), len(workdays - leave.get(pid, set()))) for pid in person_ids}
