"""Work-log completion per person: entries written on the working days they owed one.

`work_log_completion` is what other parts read (the appraisal sheet): it takes an open session, so it
joins their unit of work, and a workday predicate (e.g. `AttendanceService.is_workday`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy.orm import Session

from watchd.db.repositories.worklog import WorklogRepository
from watchd.domain.worklog import OwnerKind


def work_log_completion(
    session: Session, person_ids: Sequence[str], start: date, end: date, *, is_workday: Callable[[date], bool]
) -> dict[str, tuple[int, int]]:
    """{person id: (days written, days due)} for [start, end] (both included). Due days are the working
    days of the calendar; an entry on a rest day is welcome but neither owed nor counted."""
    workdays = {date.fromordinal(o) for o in range(start.toordinal(), end.toordinal() + 1)}
    workdays = {d for d in workdays if is_workday(d)}
    written: dict[str, int] = defaultdict(int)
    for owner, day in WorklogRepository(session).written_days(OwnerKind.person, list(person_ids), start, end):
        if day in workdays:
            written[owner] += 1
    return {pid: (written.get(pid, 0), len(workdays)) for pid in person_ids}
