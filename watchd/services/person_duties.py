"""Where a person must stay reachable for alerts, so that deleting them (or their phone number)
cannot leave an incident with nobody to tell.

A person is needed while they are named in `[[alerts.on_call]]`, as a duty room's principal
leader (`[[duty.rooms]] principal`), as an administrator contact (`[notices] contacts`, the last
link of an alert's chain), or hold a shift (after swaps) that is running now or lies ahead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from watchd.domain.duty import ROLE_NAMES
from watchd.errors import Conflict
from watchd.services.duty.roster import DutyRoster

LAST_DAY = date(9999, 12, 31)
SHOWN = 5  # places named in the Chinese message; the details list them all


@dataclass(frozen=True, slots=True)
class Duty:
    where: str  # for logs and API clients: a config key path, or roster:<room>:<day>:<role>
    text: str  # for the user, in Chinese


class PersonDuties:
    def __init__(self, duty: DutyRoster) -> None:
        self.duty = duty

    def of(self, person_id: str) -> list[Duty]:
        settings = self.duty.settings
        found: list[Duty] = []
        for i, entry in enumerate(settings.alerts.on_call):
            for role, text in (("leader", "带班领导"), ("principal", "主要领导")):
                if getattr(entry, role) == person_id:
                    found.append(Duty(f"alerts.on_call.{i}.{role}", f"告警值班第{i + 1}条的{text}"))
        for i, room in enumerate(settings.duty.rooms):
            if room.principal == person_id:
                found.append(Duty(f"duty.rooms.{i}.principal", f"{self.duty.room_name(room.site)}的主要领导"))
        if person_id in settings.notices.contacts:
            i = settings.notices.contacts.index(person_id)
            found.append(Duty(f"notices.contacts.{i}", "维护提醒的管理员联系人"))
        return found + self._shifts(person_id)

    def _shifts(self, person_id: str) -> list[Duty]:
        first = self.duty.shifts.day_of(self.duty.clock())
        with self.duty.db.read() as s:
            roster = self.duty.load(s, first, LAST_DAY)
        held = sorted(
            (day, room, role) for (room, day, role), people in roster.holders.items() if person_id in people
        )
        return [
            Duty(
                f"roster:{room}:{day.isoformat()}:{role.value}",
                f"{day.isoformat()} {self.duty.room_name(room)}{ROLE_NAMES[role]}",
            )
            for day, room, role in held
        ]

    def check_free(self, person_id: str, what: str) -> None:
        """Raise 409 naming every place that still needs the person (`what`: the change refused, in Chinese)."""
        duties = self.of(person_id)
        if not duties:
            return
        places = "、".join(d.text for d in duties[:SHOWN]) + (
            f"等{len(duties)}处" if len(duties) > SHOWN else ""
        )
        exc = Conflict(
            "person_on_call",
            f"person {person_id!r} is still needed for alerts: {', '.join(d.where for d in duties)}",
            where=[d.where for d in duties],
        )
        exc.text = f"该人员仍需接收警情，不能{what}：{places}。请先在配置或值班表中换人"
        raise exc
