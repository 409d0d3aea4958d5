"""What the spot checks answer with: a check as the duty log and the API show it, and the open check
as only the duty-room screen sees it (with the nonce its answer must carry)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from watchd.alerts.notifiers.console import mask_address
from watchd.db.models import SpotCheck
from watchd.db.repositories.people import PeopleRepository
from watchd.domain.spot_checks import (
    CHANNEL_TEXT,
    STATUS_TEXT,
    Channel,
    SpotCheckView,
    Status,
)


def answer_seconds(row: SpotCheck) -> int | None:
    if row.answered_at is None or row.issued_at is None:
        return None
    return max(0, round((row.answered_at - row.issued_at).total_seconds()))


def check_view(row: SpotCheck, names: Mapping[str, str]) -> SpotCheckView:
    """`names`: person id → name. Times of a planned check are shown only once it is issued elsewhere."""
    officers = [names.get(p, p) for p in row.officers.split(",") if p]
    texted = None
    if row.channel == Channel.sms and row.person_id:
        texted = f"{names.get(row.person_id, row.person_id)} {mask_address(row.phone or '')}".strip()
    return SpotCheckView(
        id=row.id,
        room_id=row.room_id,
        day=row.day.isoformat(),
        channel=row.channel,
        channel_text=CHANNEL_TEXT[Channel(row.channel)],
        status=row.status,
        status_text=STATUS_TEXT[Status(row.status)],
        started_by=names.get(row.started_by, row.started_by) if row.started_by else None,
        planned_at=row.planned_at,
        issued_at=row.issued_at,
        due_at=row.due_at,
        officers=officers,
        texted=texted,
        answered_at=row.answered_at,
        answered_by=row.answered_by,
        answer_seconds=answer_seconds(row),
        note=row.note,
    )


def views_in(s: Session, rows: Sequence[SpotCheck]) -> list[SpotCheckView]:
    """Views of the rows with people's names, read in the session the rows came from."""
    ids = {p for r in rows for p in [*r.officers.split(","), r.person_id or "", r.started_by or ""] if p}
    names = {pid: p.name for pid, p in PeopleRepository(s).many(sorted(ids)).items()}
    return [check_view(r, names) for r in rows]
