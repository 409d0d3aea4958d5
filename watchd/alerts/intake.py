"""Observations in, incidents and outbox messages out: each observation is decided (open, repeat,
resolve, ignore) against the incident its key has open, in one unit of work with the messages it
causes. A replayed observation is a no-op."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from watchd.alerts.escalator import Escalator
from watchd.alerts.review import ReviewDesk
from watchd.alerts.views import ReportOutcome
from watchd.alerts.write_turns import WriteTurns
from watchd.db.models import ObservationRecord
from watchd.db.repositories.sites import SitesRepository
from watchd.domain.incidents import (
    ActiveIncident,
    Ignore,
    IncidentStatus,
    Open,
    Repeat,
    Resolve,
    on_observation,
)
from watchd.domain.observations import Observation, Severity
from watchd.domain.review import HoldFor
from watchd.errors import Invalid
from watchd.messages import zh

log = logging.getLogger(__name__)


def unknown_site(site_id: str) -> Invalid:
    """422: an observation for a site watchd does not know opens no incident (nobody would be on call)."""
    exc = Invalid("site_not_found", f"observation for unknown site {site_id!r}", site_id=site_id)
    exc.text = f"{zh('site_not_found')}：{site_id}"
    return exc


class Intake:
    def __init__(
        self, writes: WriteTurns, escalator: Escalator, clock: Callable[[], datetime], nudge: Callable[[int], None],
        review: ReviewDesk,
    ) -> None:
        self.review = review  # the duty room's verification: holds and review items
        self.writes = writes
        self.escalator = escalator
        self.clock = clock
        self.nudge = nudge  # new messages are waiting: wake the runner

    def report(self, observation: Observation) -> None:
        """ObservationSink. Idempotent (a replay is a no-op). Raises when the observation is invalid
        or the database is unreachable, so the producer can keep it and report it again."""
        try:
            self.record(observation)
        except Exception as exc:
            log.error("observation %s not recorded: %s", observation.key, exc)
            raise

    def record(self, obs: Observation) -> ReportOutcome:
        if obs.occurred_at.tzinfo is None:
            raise Invalid("naive_time", f"observation {obs.key}: occurred_at has no time zone")
        for attempt in range(3):
            try:
                outcome = self._record(obs)
            except IntegrityError:
                if attempt == 2:
                    raise
                continue  # a concurrent writer opened the same key: decide again against its incident
            self.nudge(outcome.messages)
            return outcome
        raise AssertionError("unreachable")

    def _record(self, obs: Observation) -> ReportOutcome:
        now = self.clock()
        staffing = self.review.staffing_for(obs, now)
        with self.writes.unit() as repo:
            if SitesRepository(repo.session).get_site(obs.site_id) is None:
                raise unknown_site(obs.site_id)
            seen = ObservationRecord(key=obs.key, occurred_at=obs.occurred_at, active=obs.active, received_at=now)
            if not repo.insert_observation(seen):
                return ReportOutcome("duplicate", None)
            current = repo.active_by_key(obs.key)
            state = None if current is None else ActiveIncident(
                status=IncidentStatus(current.status), severity=Severity(current.severity),
                opened_at=current.opened_at, last_seen_at=current.last_seen_at,
            )
            messages, incident_id = 0, None
            match on_observation(state, obs, self.escalator.rule(obs.kind.value), now):
                case Open() as decision:
                    hold = self.review.hold_for(obs, decision.severity, staffing, now) if decision.notify else None
                    row, messages = self.escalator.open(
                        repo, obs, decision, now, hold=hold.wait if isinstance(hold, HoldFor) else None,
                        skipped=hold.reason if hold is not None and not isinstance(hold, HoldFor) else "",
                    )
                    if row is None:
                        raise IntegrityError("incident opened concurrently", None, ValueError(obs.key))
                    seen.incident_id = incident_id = row.id
                    self.review.add_item(repo, obs, row, now)
                    status = "opened"
                case Repeat(upgrade_to_major=upgrade):
                    assert current is not None
                    messages = self.escalator.repeat(repo, current, obs, upgrade, now)
                    seen.incident_id = incident_id = current.id
                    self.review.add_item(repo, obs, current, now)
                    status = "repeat"
                case Resolve():
                    assert current is not None
                    self.escalator.resolve(repo, current, "system", f"cleared: {obs.kind.value}", now)
                    seen.incident_id = incident_id = current.id
                    status = "resolved"
                case Ignore(reason=reason):
                    log.debug("observation %s ignored: %s", obs.key, reason)
                    status = "ignored"
        return ReportOutcome(status, incident_id, messages)
