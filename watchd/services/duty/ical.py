"""The duty roster as an iCalendar file (RFC 5545) that phones import or subscribe to."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from icalendar import Calendar, Event

from watchd.services.duty.views import ShiftView

PRODID = "-//watchd//duty roster//ZH"


def roster_ical(shifts: Sequence[ShiftView], *, township: str, person_id: str | None, now: datetime) -> bytes:
    """One event per person and shift (filtered to `person_id` when given). UIDs are stable per
    room, day, role and person, so importing a newer file updates the events instead of adding more."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{township}值班表" if township else "值班表")
    stamp = now.astimezone(UTC)
    for shift in shifts:
        others = "、".join(p.name for p in shift.officers)
        leaders = "、".join(p.name for p in shift.leaders)
        for role, people in (("officer", shift.officers), ("leader", shift.leaders)):
            for person in people:
                if person_id is not None and person.id != person_id:
                    continue
                event = Event()
                title = "值班" if role == "officer" else "带班"
                event.add("uid", f"duty-{shift.room_id}-{shift.day.isoformat()}-{role}-{person.id}@watchd")
                event.add("dtstamp", stamp)
                event.add("dtstart", shift.start.astimezone(UTC))
                event.add("dtend", shift.end.astimezone(UTC))
                event.add("summary", f"{shift.room_name}{title}：{person.name}")
                event.add("location", shift.room_name)
                event.add("description", f"值班人员：{others or '无'}\n带班领导：{leaders or '无'}")
                cal.add_component(event)
    return bytes(cal.to_ical())
