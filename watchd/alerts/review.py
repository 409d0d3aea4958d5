"""The duty room's video verification (视频复核): review items and their verdicts.

Intake calls `hold_for` when an incident of a camera kind opens (whether its first message waits
for the duty room) and `add_item` for every camera event, in its own unit of work. People claim an
item and give a verdict; "real" ends the incident's hold at once (the leader on duty is told, the
text says 值班室复核属实 and its link plays the clip), "false alarm" and "handled" settle the
incident once no other item of it is open. Claims expire in the runner's tick. Every step is in
the incident's history. All state is in the database: a restart loses nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from watchd.alerts.escalator import Escalator
from watchd.alerts.write_turns import WriteTurns
from watchd.db.models import Incident, ReviewItem
from watchd.db.repositories.alerts import AlertsRepository
from watchd.db.repositories.review import ReviewRepository
from watchd.db.repositories.sites import SitesRepository
from watchd.db.session import Database
from watchd.domain.incidents import IncidentStatus, incident_code
from watchd.domain.observations import Observation, Severity
from watchd.domain.review import (
    STATUS_TEXT,
    VERDICTS,
    Hold,
    HoldFor,
    ReviewPolicy,
    ReviewStatus,
    Skip,
    Staffing,
    current_status,
    hold_decision,
    may_claim,
    may_decide,
)
from watchd.errors import Conflict, Invalid, NotFound

log = logging.getLogger(__name__)
RECENT = timedelta(hours=12)  # decided items the screen still lists
VERDICT_TEXT = {ReviewStatus.real: "属实", ReviewStatus.false_alarm: "误报", ReviewStatus.handled: "已处置"}


class DutyRoomStaffing(Protocol):
    """Whether the duty room responsible for a site can verify now (implemented over the roster and
    the desk watch in watchd.services.duty.staffing.py)."""

    def staffing(self, site_id: str, now: datetime) -> Staffing: ...


class NoDutyRoom:
    def staffing(self, site_id: str, now: datetime) -> Staffing:
        return Staffing(room_id=None)


@dataclass(frozen=True, slots=True)
class ReviewItemView:
    id: int
    kind: str
    site_id: str
    site_name: str
    camera_id: str
    camera_name: str
    zones: list[str]
    summary: str
    occurred_at: datetime
    status: str
    status_text: str
    held: bool
    hold_until: datetime | None  # while its incident waits for a verdict: when it goes out by itself
    hold: str | None  # the incident's hold: held | real | timed_out | settled | major
    claimed_by: str | None
    claim_expires_at: datetime | None
    viewed_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    note: str
    incident_id: int | None
    incident_code: str | None
    camera_event_id: int | None
    has_snapshot: bool
    has_clip: bool


def _zones(raw: str) -> list[str]:
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        return []
    return [str(z) for z in value] if isinstance(value, list) else []


class ReviewDesk:
    def __init__(
        self,
        db: Database,
        writes: WriteTurns,
        escalator: Escalator,
        policy: ReviewPolicy,
        clock: Callable[[], datetime],
        zone: ZoneInfo,
        nudge: Callable[[int], None],
    ) -> None:
        self.db = db
        self.writes = writes
        self.escalator = escalator
        self.policy = policy
        self.clock = clock
        self.zone = zone
        self.nudge = nudge
        self.staffing: DutyRoomStaffing = NoDutyRoom()

    # -- intake ------------------------------------------------------------------------------------
    def staffing_for(self, obs: Observation, now: datetime) -> Staffing | None:
        """The duty room as it is now, for an observation that may open a held incident (read before
        the intake's unit of work); None for kinds that are never verified."""
        if obs.kind.value not in self.policy.kinds or not obs.active:
            return None
        try:
            return self.staffing.staffing(obs.site_id, now)
        except Exception:  # an unreadable roster never delays an alert
            log.exception("duty room staffing for site %s unknown; not holding %s", obs.site_id, obs.key)
            return Staffing(room_id=None)

    def hold_for(
        self, obs: Observation, severity: Severity, staffing: Staffing | None, now: datetime
    ) -> HoldFor | Skip:
        if staffing is None or staffing.room_id is None:
            return Skip("")  # no duty room watches this site: nothing to say in the history
        return hold_decision(
            obs.kind.value, obs.site_id, severity, now.astimezone(self.zone).time(), staffing, self.policy
        )

    def add_item(self, repo: AlertsRepository, obs: Observation, incident: Incident, now: datetime) -> None:
        """A review item for the observation's camera event (once; a replay adds nothing)."""
        if obs.kind.value not in self.policy.kinds or not obs.active:
            return
        event_id = obs.details.get("event_id")
        camera_event_id = event_id if isinstance(event_id, int) else None
        source = (
            f"event:{camera_event_id}"
            if camera_event_id is not None
            else f"obs:{obs.key}:{obs.occurred_at.isoformat()}"
        )
        zones = obs.details.get("zones")
        row = ReviewItem(
            source_key=source[:240],
            incident_id=incident.id,
            camera_event_id=camera_event_id,
            kind=obs.kind.value,
            site_id=obs.site_id,
            camera_id=obs.subject[:100],
            zones=json.dumps([str(z) for z in zones] if isinstance(zones, list) else [], ensure_ascii=False),
            summary=obs.summary[:200],
            occurred_at=obs.occurred_at,
            created_at=now,
            held=incident.review_hold == Hold.held.value,
            status=ReviewStatus.unreviewed.value,
            note="",
        )
        if ReviewRepository(repo.session).add(row) and row.held:
            repo.add_event(
                incident.id, now, "review_item", detail=f"item {row.id}: {obs.summary or obs.kind.value}"
            )

    # -- people ------------------------------------------------------------------------------------
    def _item(self, reviews: ReviewRepository, item_id: int) -> ReviewItem:
        row = reviews.get(item_id, lock=True)
        if row is None:
            raise NotFound("review_item_not_found", f"no review item {item_id}")
        return row

    def _refuse(self, row: ReviewItem, refusal: str) -> Conflict:
        return Conflict(
            refusal, f"review item {row.id}: {refusal}", state=row.status, claimed_by=row.claimed_by
        )

    def claim(self, item_id: int, actor: str) -> ReviewItemView:
        now = self.clock()
        with self.writes.unit() as repo:
            reviews = ReviewRepository(repo.session)
            row = self._item(reviews, item_id)
            status = current_status(ReviewStatus(row.status), row.claim_expires_at, now)
            refusal = may_claim(status, row.claimed_by if status == ReviewStatus.claimed else None, actor)
            if refusal is not None:
                raise self._refuse(row, refusal.value)
            renew = status == ReviewStatus.claimed
            row.status, row.claimed_by = ReviewStatus.claimed.value, actor[:100]
            row.claimed_at, row.claim_expires_at = now, now + self.policy.claim
            incident = repo.incident(row.incident_id, lock=True) if row.incident_id is not None else None
            if incident is not None:
                self.escalator.postpone(incident, row.claim_expires_at)
                if not renew:
                    repo.add_event(incident.id, now, "review_claimed", actor=actor, detail=f"item {row.id}")
        return self.item(item_id)

    def viewed(self, item_id: int, actor: str) -> ReviewItemView:
        """The clip was played (kept apart from the verdict, as Frigate does): the first time only."""
        now = self.clock()
        with self.writes.unit() as repo:
            row = self._item(ReviewRepository(repo.session), item_id)
            if row.viewed_at is None:
                row.viewed_at = now
                if row.incident_id is not None:
                    repo.add_event(
                        row.incident_id, now, "review_viewed", actor=actor, detail=f"item {row.id}"
                    )
        return self.item(item_id)

    def decide(self, item_id: int, actor: str, verdict: str, note: str = "") -> ReviewItemView:
        try:
            chosen = ReviewStatus(verdict)
        except ValueError:
            chosen = ReviewStatus.unreviewed
        if chosen not in VERDICTS:
            raise Invalid(
                "review_bad_verdict",
                f"verdict {verdict!r} is not real, false_alarm or handled",
                field="verdict",
            )
        now, messages = self.clock(), 0
        with self.writes.unit() as repo:
            reviews = ReviewRepository(repo.session)
            row = self._item(reviews, item_id)
            status = current_status(ReviewStatus(row.status), row.claim_expires_at, now)
            refusal = may_decide(status, row.claimed_by if status == ReviewStatus.claimed else None, actor)
            if refusal is not None:
                raise self._refuse(row, refusal.value)
            row.status, row.decided_by, row.decided_at, row.note = chosen.value, actor[:100], now, note[:500]
            row.claim_expires_at = None
            incident = repo.incident(row.incident_id, lock=True) if row.incident_id is not None else None
            if incident is not None:
                messages = self._apply(repo, reviews, incident, row, chosen, actor, note, now)
        self.nudge(messages)
        return self.item(item_id)

    def _apply(
        self,
        repo: AlertsRepository,
        reviews: ReviewRepository,
        incident: Incident,
        row: ReviewItem,
        verdict: ReviewStatus,
        actor: str,
        note: str,
        now: datetime,
    ) -> int:
        detail = f"item {row.id}: {verdict.value}" + (f" ({note[:300]})" if note else "")
        repo.add_event(incident.id, now, "review_verdict", actor=actor, detail=detail)
        if verdict == ReviewStatus.real:
            return self.escalator.release(repo, incident, Hold.real, actor, note[:300] or "real", now)
        if incident.status == IncidentStatus.resolved.value or reviews.open_for_incident(incident.id):
            return 0
        # Every event of the incident was looked at and none was real: a person resets the alarm.
        self.escalator.release(repo, incident, Hold.settled, actor, VERDICT_TEXT[verdict], now)
        self.escalator.resolve(
            repo,
            incident,
            actor,
            f"{VERDICT_TEXT[verdict]}（视频复核）" + (f"：{note[:200]}" if note else ""),
            now,
        )
        return 0

    def expire_claims(self) -> int:
        """Claims past their time are unreviewed again (the runner's tick)."""
        now = self.clock()
        with self.writes.unit() as repo:
            rows = ReviewRepository(repo.session).expired_claims(now)
            for row in rows:
                if row.incident_id is not None:
                    repo.add_event(
                        row.incident_id,
                        now,
                        "review_claim_expired",
                        actor=row.claimed_by or "",
                        detail=f"item {row.id}",
                    )
                row.status, row.claimed_by, row.claimed_at, row.claim_expires_at = (
                    ReviewStatus.unreviewed.value,
                    None,
                    None,
                    None,
                )
            return len(rows)

    # -- reading -----------------------------------------------------------------------------------
    def items(self, *, open_only: bool = True, limit: int = 100) -> list[ReviewItemView]:
        now = self.clock()
        with self.db.read() as s:
            rows = ReviewRepository(s).listing(
                open_only=open_only, since=None if open_only else now - RECENT, limit=limit
            )
            return self._views(s, list(rows), now)

    def item(self, item_id: int) -> ReviewItemView:
        with self.db.read() as s:
            row = ReviewRepository(s).get(item_id)
            if row is None:
                raise NotFound("review_item_not_found", f"no review item {item_id}")
            return self._views(s, [row], self.clock())[0]

    def clip_path(self, item_id: int) -> str | None:
        with self.db.read() as s:
            reviews = ReviewRepository(s)
            row = reviews.get(item_id)
            if row is None:
                raise NotFound("review_item_not_found", f"no review item {item_id}")
            if row.camera_event_id is None:
                return None
            return reviews.clips([row.camera_event_id]).get(row.camera_event_id)

    def _views(self, s: Session, rows: list[ReviewItem], now: datetime) -> list[ReviewItemView]:
        reviews, sites = ReviewRepository(s), SitesRepository(s)
        names = {x.id: x.name for x in sites.list_sites()}
        cameras = {d.id: d.name or d.id for d in sites.list_devices()}
        events = [r.camera_event_id for r in rows if r.camera_event_id is not None]
        clips, shots = reviews.clips(events), reviews.snapshots(events)
        incidents = {
            i.id: i for i in AlertsRepository(s).incidents({r.incident_id for r in rows if r.incident_id})
        }
        out = []
        for r in rows:
            status = current_status(ReviewStatus(r.status), r.claim_expires_at, now)
            incident = incidents.get(r.incident_id) if r.incident_id is not None else None
            held = incident is not None and incident.review_hold == Hold.held.value
            out.append(
                ReviewItemView(
                    id=r.id,
                    kind=r.kind,
                    site_id=r.site_id,
                    site_name=names.get(r.site_id, r.site_id),
                    camera_id=r.camera_id,
                    camera_name=cameras.get(r.camera_id, r.camera_id),
                    zones=_zones(r.zones),
                    summary=r.summary,
                    occurred_at=r.occurred_at,
                    status=status.value,
                    status_text=STATUS_TEXT[status],
                    held=r.held,
                    hold_until=incident.next_step_at if held and incident is not None else None,
                    hold=incident.review_hold if incident is not None else None,
                    claimed_by=r.claimed_by if status == ReviewStatus.claimed else None,
                    claim_expires_at=r.claim_expires_at if status == ReviewStatus.claimed else None,
                    viewed_at=r.viewed_at,
                    decided_by=r.decided_by,
                    decided_at=r.decided_at,
                    note=r.note,
                    incident_id=r.incident_id,
                    incident_code=incident_code(r.incident_id) if r.incident_id else None,
                    camera_event_id=r.camera_event_id,
                    has_snapshot=r.camera_event_id in shots,
                    has_clip=r.camera_event_id in clips,
                )
            )
        return out
