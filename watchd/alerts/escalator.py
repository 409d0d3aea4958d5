"""Turns decisions of the incident rules into rows: incidents, their timeline, and the outbox
messages of each escalation step, all inside the caller's unit of work.

One step runs per call: after downtime the steps are not fired in a burst but spaced again by the
policy's wait. The dedup key (incident, severity, step, person) makes a step that runs twice write
each message once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from watchd.alerts.calls import Caller
from watchd.alerts.compose import Composer, Recipient
from watchd.alerts.oncall import Contact, OnCallDirectory
from watchd.alerts.recipients import RecipientChain
from watchd.alerts.texts import alert_text, template_params
from watchd.db.models import Incident
from watchd.db.repositories.alerts import AlertsRepository
from watchd.domain.escalation import EscalationPolicy, Role, plan_step, step_after_upgrade
from watchd.domain.incidents import IncidentStatus, KindPolicy, Open, normalize_phone
from watchd.domain.observations import Observation, ObservationKind, Severity
from watchd.domain.review import Hold
from watchd.settings.alerts import AlertSettings, KindRule

log = logging.getLogger(__name__)


def json_safe(details: Mapping[str, object]) -> dict[str, Any]:
    """Observation details as stored: anything JSON cannot hold (a datetime, a path) becomes text."""
    safe: dict[str, Any] = json.loads(json.dumps(dict(details), default=str, ensure_ascii=False))
    return safe


def kind_policy(rule: KindRule) -> KindPolicy:
    return KindPolicy(
        severity=rule.severity, site_severity=dict(rule.severity_by_site), notify=rule.notify, delay=timedelta(minutes=rule.delay_minutes),
        resolve_on_clear=rule.resolve_on_clear,
        resolve_quiet=None if rule.resolve_quiet_minutes is None else timedelta(minutes=rule.resolve_quiet_minutes),
    )


def policy_of(settings: AlertSettings) -> EscalationPolicy:
    e = settings.escalation
    return EscalationPolicy(wait=timedelta(minutes=e.wait_minutes), rounds=e.rounds, major_together=e.major_together)


class Escalator:
    def __init__(
        self, settings: AlertSettings, composer: Composer, oncall: OnCallDirectory, recipients: RecipientChain
    ) -> None:
        self.settings = settings
        self.composer = composer
        self.oncall = oncall
        self.recipients = recipients
        self.caller = Caller(settings, composer)

    def rule(self, kind: str) -> KindPolicy:
        try:
            return kind_policy(self.settings.rule(ObservationKind(kind)))
        except ValueError:
            return KindPolicy()

    # -- incident changes -------------------------------------------------------------------------
    def open(
        self, repo: AlertsRepository, obs: Observation, decision: Open, now: datetime,
        hold: timedelta | None = None, skipped: str = "",
    ) -> tuple[Incident | None, int]:
        """The new incident and the messages written (None: another writer opened the key first).
        With `hold`, the first message waits that long for the duty room's verdict (视频复核); `skipped`
        says why a kind that can be verified was not held."""
        notify = decision.notify and self.settings.enabled
        held = hold is not None and notify and decision.first_step_at is not None
        row = Incident(
            key=obs.key, active_key=obs.key, kind=obs.kind.value, site_id=obs.site_id, subject=obs.subject[:100],
            severity=decision.severity.value, status=IncidentStatus.open.value, summary=obs.summary[:200],
            details=json_safe(obs.details), snapshot_path=obs.snapshot_path, count=1, opened_at=obs.occurred_at,
            last_seen_at=obs.occurred_at, policy=policy_of(self.settings).to_json(), notify=notify, step=0,
            next_step_at=decision.first_step_at if notify else None,
        )
        if held:
            assert hold is not None and decision.first_step_at is not None
            row.review_hold, row.next_step_at = Hold.held.value, max(decision.first_step_at, now + hold)
        if not repo.add_incident(row):
            return None, 0
        repo.add_event(row.id, now, "opened", detail=f"{obs.kind.value} {decision.severity.value}")
        if held:
            minutes = f"{hold.total_seconds() / 60:g}" if hold is not None else ""
            repo.add_event(row.id, now, "review_hold", detail=f"waiting up to {minutes} min for the duty room's verdict")
        elif skipped and notify:
            repo.add_event(row.id, now, "review_skipped", detail=skipped)
        return row, self.run_due_step(repo, row, now)

    def release(self, repo: AlertsRepository, incident: Incident, hold: Hold, actor: str, detail: str, now: datetime) -> int:
        """End a verification hold: `real` or `major` escalate at once, `settled` ends it quietly."""
        if incident.review_hold != Hold.held.value:
            return 0
        incident.review_hold = hold.value
        repo.add_event(incident.id, now, f"review_{hold.value}", actor=actor, detail=detail)
        if hold == Hold.settled or incident.status != IncidentStatus.open.value:
            return 0
        incident.next_step_at = now
        return self.run_due_step(repo, incident, now)

    def postpone(self, incident: Incident, until: datetime) -> None:
        """A live claim: the hold does not end by itself before the claim expires."""
        if incident.review_hold == Hold.held.value and incident.next_step_at is not None:
            incident.next_step_at = max(incident.next_step_at, until)

    def repeat(self, repo: AlertsRepository, incident: Incident, obs: Observation, upgrade: bool, now: datetime) -> int:
        """Count a repeat; a repeat that makes the incident major tells everyone again at once."""
        incident.count += 1
        incident.last_seen_at = max(incident.last_seen_at, obs.occurred_at)
        if obs.snapshot_path and not incident.snapshot_path:
            incident.snapshot_path = obs.snapshot_path
        if not upgrade:
            return 0
        incident.severity = Severity.major.value
        repo.add_event(incident.id, now, "upgraded", detail="major")
        if incident.review_hold == Hold.held.value:
            return self.release(repo, incident, Hold.major, "system", "major: no verification", now)
        if incident.status != IncidentStatus.open.value or not incident.notify:
            return 0
        step = step_after_upgrade(EscalationPolicy.from_json(incident.policy), incident.step)
        if step is None:
            return 0
        incident.step, incident.next_step_at = step, now
        return self.run_due_step(repo, incident, now)

    def acknowledge(self, repo: AlertsRepository, incident: Incident, actor: str, via: str, now: datetime) -> bool:
        if incident.status != IncidentStatus.open.value:
            return False
        incident.status = IncidentStatus.acknowledged.value
        incident.acknowledged_at, incident.acknowledged_by = now, actor[:100]
        incident.next_step_at = None
        if incident.review_hold == Hold.held.value:
            incident.review_hold = Hold.settled.value
        repo.add_event(incident.id, now, "acknowledged", actor=actor, detail=via)
        self.cancel_pending(repo, [incident.id], now)
        return True

    def resolve(self, repo: AlertsRepository, incident: Incident, actor: str, detail: str, now: datetime) -> bool:
        if incident.status == IncidentStatus.resolved.value:
            return False
        incident.status = IncidentStatus.resolved.value
        incident.active_key = None
        incident.resolved_at, incident.resolved_by = now, actor[:100]
        incident.next_step_at = None
        if incident.review_hold == Hold.held.value:
            incident.review_hold = Hold.settled.value
        repo.add_event(incident.id, now, "resolved", actor=actor, detail=detail)
        self.cancel_pending(repo, [incident.id], now)
        return True

    def cancel_pending(self, repo: AlertsRepository, incident_ids: list[int], now: datetime) -> None:
        """Messages not yet attempted whose incidents are all settled are not sent any more."""
        pending = repo.pending_for_incidents(incident_ids)
        links = repo.incident_ids_of([n.id for n in pending])
        statuses = repo.statuses_of({i for ids in links.values() for i in ids})
        for n in pending:
            if all(statuses.get(i) != IncidentStatus.open.value for i in links[n.id]):
                n.status, n.next_attempt_at, n.last_detail = "cancelled", None, "incident settled before sending"

    # -- escalation -------------------------------------------------------------------------------
    def run_due_step(self, repo: AlertsRepository, incident: Incident, now: datetime) -> int:
        """Run the incident's next escalation step if it is due; return the messages written."""
        if (
            incident.status != IncidentStatus.open.value or incident.next_step_at is None
            or incident.next_step_at > now
        ):
            return 0
        if incident.review_hold == Hold.held.value:
            incident.review_hold = Hold.timed_out.value
            repo.add_event(incident.id, now, "review_timed_out", detail="nobody in the duty room decided in time")
        policy = EscalationPolicy.from_json(incident.policy)
        severity = Severity(incident.severity)
        plan = plan_step(policy, severity, incident.step, now)
        if plan is None:
            incident.next_step_at = None
            repo.add_event(incident.id, now, "escalation_ended", detail="no acknowledgement after every step")
            return 0
        facts = self.composer.facts(repo, incident)
        people = self._recipients(repo, incident, plan.targets, facts.site_name, now)
        zone, township = self.composer.zone, self.composer.township
        escalated = incident.step > 0 or Role.leader not in plan.targets
        chain = [c.id for c in self.settings.person_channels()]
        calls = self.caller.place(repo, incident, facts, people, self._call_candidates(repo, incident, now), now)
        written = calls.written
        for contact in people:
            assert contact.phone is not None
            if calls.rule is not None and calls.rule.mode == "instead" and contact.person_id in calls.called:
                continue  # called instead of texted
            row = self.composer.add_message(
                repo, dedup_key=f"i{incident.id}:{severity.value}:s{incident.step}:{contact.person_id}",
                incident_ids=[incident.id], purpose="escalation" if escalated else "alert",
                recipient=Recipient(contact.person_id, contact.name, normalize_phone(contact.phone)),
                chain=chain, now=now,
                render=lambda link: (
                    alert_text(facts, township=township, zone=zone, link=link, round_=plan.round, escalated=escalated),
                    template_params(facts, township=township, zone=zone, link=link),
                ),
            )
            written += row is not None
        if incident.step == 0:
            written += self._post_to_groups(repo, incident, now)
        if people:
            names = "、".join(p.name for p in people)
            repo.add_event(incident.id, now, "escalated" if escalated else "notified", detail=f"step {incident.step + 1}: {names}")
        incident.step += 1
        incident.next_step_at = plan.next_at
        return written

    def _call_candidates(self, repo: AlertsRepository, incident: Incident, now: datetime) -> list[Contact]:
        """The chain a call moves along when the ledger refuses a number: leader, principal, administrators."""
        if self.caller.rule(incident.severity, now) is None:
            return []
        on_call = self.oncall.on_call(incident.site_id, now)
        return self.recipients.resolve(repo.session, on_call, [Role.leader, Role.principal]).contacts

    def _recipients(
        self, repo: AlertsRepository, incident: Incident, targets: Sequence[Role], site_name: str, now: datetime
    ) -> list[Contact]:
        """Everyone the step tells; a role nobody of its own answers falls back along the chain, visibly."""
        resolution = self.recipients.resolve(repo.session, self.oncall.on_call(incident.site_id, now), targets)
        for role, told in resolution.fallbacks:
            repo.add_event(incident.id, now, "no_recipient", detail=f"{role.value}: nobody on call with a phone")
            if told:
                repo.add_event(incident.id, now, "fallback", detail=f"{role.value}: " + "、".join(c.name for c in told))
            log.error(
                "incident %d: no %s on call with a phone for site %s; told %s instead", incident.id, role.value,
                incident.site_id, ", ".join(c.person_id for c in told) or "nobody",
            )
        self.recipients.report_after_commit(repo.session, incident.site_id, site_name, resolution, targets, now)
        return resolution.contacts

    def _post_to_groups(self, repo: AlertsRepository, incident: Incident, now: datetime) -> int:
        facts = self.composer.facts(repo, incident)
        zone, township = self.composer.zone, self.composer.township
        written = 0
        for channel in self.settings.group_channels():
            row = self.composer.add_message(
                repo, dedup_key=f"i{incident.id}:group:{channel.id}", incident_ids=[incident.id], purpose="group",
                recipient=Recipient.group(channel.id), chain=[channel.id], now=now,
                render=lambda link: (
                    alert_text(facts, township=township, zone=zone, link=link, can_reply=False),
                    template_params(facts, township=township, zone=zone, link=link),
                ),
            )
            written += row is not None
        return written
