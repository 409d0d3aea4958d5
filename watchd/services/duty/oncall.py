"""Escalation asks the duty roster who is on call (`OnCallDirectory`).

The leader on duty (带班领导) is the rostered leader of the shift now running in the duty room
responsible for the site (the room itself, the room whose `covers` lists it, else the room that
lists no sites). The principal leader is the room's `principal`, else the configured
`[[alerts.on_call]]` entry's. Where the roster names nobody, the configured entry answers, so a
gap in the roster never leaves an incident without a recipient.
"""

from __future__ import annotations

from datetime import datetime

from watchd.alerts.oncall import Contact, OnCall, OnCallDirectory
from watchd.services.duty.roster import DutyRoster


class RosterOnCall:
    def __init__(self, duty: DutyRoster, fallback: OnCallDirectory) -> None:
        self.duty = duty
        self.fallback = fallback
        self.principals = {r.site: r.principal for r in duty.config.rooms if r.principal}

    def on_call(self, site_id: str, now: datetime) -> OnCall:
        configured = self.fallback.on_call(site_id, now)
        room = self.duty.room_for_site(site_id)
        if room is None:
            return configured
        leader = self.duty.on_duty_now(room, now).leader or configured.leader
        principal = configured.principal
        principal_id = self.principals.get(room)
        if principal_id is not None:
            name = self.duty.person_names([principal_id])[0]
            principal = Contact(principal_id, name, self.duty.phone(principal_id))
        return OnCall(leader=leader, principal=principal)
