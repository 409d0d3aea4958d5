"""Village days: did the cadre check in at a kiosk of a village they are assigned to, by the rule?"""

from __future__ import annotations

from collections.abc import Sequence

from watchd.domain.attendance.punches import Punch
from watchd.domain.attendance.schedule import DayFrame, VillageDayRule


def village_site(
    punches: Sequence[Punch], frame: DayFrame, rule: VillageDayRule, villages: frozenset[str]
) -> str | None:
    """The assigned village that makes this a village day, or None.

    `punches` are the day's punches in time order; `frame` is the day's schedule.
    'morning': a punch there in the first session's check-in window; 'morning_and_afternoon': a
    punch there in every session's check-in window; 'any': any punch there that day.
    """
    there = [p for p in punches if p.site_id in villages]
    if not there:
        return None
    if rule is VillageDayRule.any:
        return there[0].site_id

    def checkin_site(index: int) -> str | None:
        w = frame.sessions[index]
        return next((p.site_id for p in there if w.in_open <= p.at < w.in_close), None)

    if rule is VillageDayRule.morning:
        return checkin_site(0)
    sites = [checkin_site(i) for i in range(len(frame.sessions))]
    return sites[0] if all(sites) else None
