"""The weekly meeting (周例会): per person and department, this week's work from the daily entries
beside the plan made for this week (marked done / partly / not done) with its completion rate, and the
plan for next week."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from watchd.db.repositories.worklog import WorklogRepository
from watchd.domain.worklog import Completion, ItemStatus, OwnerKind, completion, week_of
from watchd.services.worklog.views import PlanItemView, WroteRow

WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True, slots=True)
class MeetingRow:
    owner_kind: str
    owner_id: str
    name: str
    organisation: str
    work: list[tuple[date, str]]  # (day, done) of this week's entries
    written: int
    due: int
    plan: list[PlanItemView]  # this week's items (planned last week)
    completion: Completion
    next_plan: list[PlanItemView]


@dataclass(frozen=True, slots=True)
class Meeting:
    week: date
    rows: list[MeetingRow]


def day_label(day: date) -> str:
    return f"周{WEEKDAYS[day.weekday()]}"


def meeting_rows(s: Session, week: date, wrote: Sequence[WroteRow], organisations: Sequence[str]) -> Meeting:
    """`wrote` are the people who owe entries this week (their due days), `organisations` the departments."""
    week = week_of(week)
    last = week + timedelta(days=6)
    repo = WorklogRepository(s)
    ids = [w.person_id for w in wrote]
    work: dict[tuple[str, str], list[tuple[date, str]]] = defaultdict(list)
    for kind, owners in ((OwnerKind.person, ids), (OwnerKind.department, list(organisations))):
        for owner, day, done in repo.work_done(kind, owners, week, last):
            work[(kind.value, owner)].append((day, done))
    plans: dict[tuple[str, str, date], list[PlanItemView]] = defaultdict(list)
    wanted = {(OwnerKind.person.value, i) for i in ids} | {
        (OwnerKind.department.value, o) for o in organisations
    }
    for row in repo.item_rows(
        None, None if len(wanted) > 500 else [o for _k, o in wanted], [week, week + timedelta(days=7)]
    ):
        pid, owner_kind, owner, item_week, text, status, note, by, at = row
        item = PlanItemView(pid, owner_kind, owner, item_week, text, ItemStatus(status), note, by, at)
        if (item.owner_kind, item.owner_id) in wanted:
            plans[(item.owner_kind, item.owner_id, item.week)].append(item)
    rows: list[MeetingRow] = []
    for org in organisations:
        key = (OwnerKind.department.value, org)
        this = plans.get((*key, week), [])
        rows.append(
            MeetingRow(
                key[0],
                org,
                org,
                org,
                work.get(key, []),
                len(work.get(key, [])),
                0,
                this,
                completion(i.status for i in this),
                plans.get((*key, week + timedelta(days=7)), []),
            )
        )
    for w in wrote:
        key = (OwnerKind.person.value, w.person_id)
        this = plans.get((*key, week), [])
        rows.append(
            MeetingRow(
                key[0],
                w.person_id,
                w.name,
                w.organisation,
                work.get(key, []),
                len(set(w.written) & set(w.due)),
                len(w.due),
                this,
                completion(i.status for i in this),
                plans.get((*key, week + timedelta(days=7)), []),
            )
        )
    order = {o: i for i, o in enumerate(organisations)}
    rows.sort(
        key=lambda r: (
            order.get(r.organisation, len(order)),
            r.owner_kind != OwnerKind.department,
            r.owner_id,
        )
    )
    return Meeting(week, rows)
