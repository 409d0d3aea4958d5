"""Voice calls of an escalation step: who is called, when, and the per-number call ledger.

The rules (`[alerts.voice]`) say, by severity and hour, whether a step calls instead of texting, with
the text, or after a text nobody acknowledged. Each call is an outbox row (`purpose = "call"`, the
chain of channels that place calls), written in the step's transaction; the rows are the ledger:
before a number is called, its calls of the last day are counted against the vendors' limits, and a
call that would break them goes to the next person in the chain instead of the same phone again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from watchd.alerts.compose import Composer, Recipient
from watchd.alerts.oncall import Contact
from watchd.alerts.texts import IncidentFacts, event_text, local_time, template_params
from watchd.db.models import Incident
from watchd.db.repositories.alerts import AlertsRepository
from watchd.domain.incidents import normalize_phone
from watchd.domain.voice import CallRule, call_refusal, call_rule
from watchd.settings.alerts import AlertSettings

LEDGER_SPAN = timedelta(days=2)


@dataclass(slots=True)
class StepCalls:
    rule: CallRule | None
    called: set[str] = field(default_factory=set)  # person ids called in this step
    written: int = 0


def call_text(f: IncidentFacts, *, township: str, zone: ZoneInfo) -> str:
    """What the call says, for the record (the vendor reads its approved template)."""
    return (
        f"{township} {f.site_name} {local_time(f.opened_at, zone)} {event_text(f.kind, f.summary)}，请按1确认"
    )


class Caller:
    def __init__(self, settings: AlertSettings, composer: Composer) -> None:
        self.rules = [r.rule() for r in settings.voice.rules]
        self.limits = settings.voice.limits.limits()
        self.chain = [c.id for c in settings.call_channels()]
        self.enabled = settings.enabled and bool(self.rules and self.chain)
        self.composer = composer

    def rule(self, severity: str, now: datetime) -> CallRule | None:
        return call_rule(self.rules, severity, now, self.composer.zone) if self.enabled else None

    def place(
        self,
        repo: AlertsRepository,
        incident: Incident,
        facts: IncidentFacts,
        people: Sequence[Contact],
        candidates: Sequence[Contact],
        now: datetime,
    ) -> StepCalls:
        """Call each person of the step, or the next person the ledger allows."""
        out = StepCalls(rule=self.rule(incident.severity, now))
        if out.rule is None:
            return out
        at = now + (out.rule.after if out.rule.mode == "after_text" else timedelta(0))
        order = list(people) + [c for c in candidates if c.person_id not in {p.person_id for p in people}]
        for person in people:
            start = order.index(person)
            for callee in order[start:] + order[:start]:
                if callee.person_id in out.called or not callee.phone:
                    continue
                phone = normalize_phone(callee.phone)
                refusal = call_refusal(
                    repo.call_times(phone, now - LEDGER_SPAN), at, self.limits, self.composer.zone
                )
                if refusal is not None:
                    repo.add_event(incident.id, now, "call_refused", detail=f"{callee.name}: {refusal}")
                    continue
                out.written += self._write(repo, incident, facts, callee, phone, at, now)
                out.called.add(callee.person_id)
                detail = callee.name if callee is person else f"{callee.name}（{person.name}已达呼叫上限）"
                repo.add_event(incident.id, now, "call", detail=f"step {incident.step + 1}: {detail}")
                break
        return out

    def _write(
        self,
        repo: AlertsRepository,
        incident: Incident,
        facts: IncidentFacts,
        callee: Contact,
        phone: str,
        at: datetime,
        now: datetime,
    ) -> int:
        zone, township = self.composer.zone, self.composer.township
        row = self.composer.add_message(
            repo,
            dedup_key=f"i{incident.id}:{incident.severity}:s{incident.step}:call:{callee.person_id}",
            incident_ids=[incident.id],
            purpose="call",
            recipient=Recipient(callee.person_id, callee.name, phone),
            chain=self.chain,
            now=now,
            throttle_key=f"call:{phone}",
            render=lambda link: (
                call_text(facts, township=township, zone=zone),
                template_params(facts, township=township, zone=zone, link=link),
            ),
        )
        if row is None:
            return 0
        row.next_attempt_at = at
        return 1
