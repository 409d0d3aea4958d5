"""Duty rosters and swaps, and the one answer to "who is on duty / on call now".

- `roster`: rooms, shifts after swaps, who is on duty (`DutyRoster`; the month is cached briefly);
- `roster_edits`: an administrator sets a day or imports the office's 值班表 (`roster_file` parses it);
- `swaps`: an officer asks, a leader or an administrator decides;
- `ical`: the roster as an iCalendar file; `views`: what all of these answer with;
- `service`: `DutyService`, the roster with its edits and swaps, the one object the rest of watchd holds;
- `presence`: the desk's presence timeline as stored (`PresenceRecorder`, written by the duty watch);
- `log`: the duty log (值班日志) of a room and shift and the daily report (`DutyLog`);
- `oncall`: escalation's `OnCallDirectory` answered from the roster (`RosterOnCall`).
"""

from watchd.services.duty.log import DutyLog, DutyLogView
from watchd.services.duty.oncall import RosterOnCall
from watchd.services.duty.presence import PresenceRecorder
from watchd.services.duty.service import DutyService
from watchd.services.duty.views import ImportReport, OnDutyView, PersonRef, RoomView, ShiftView, SwapView

__all__ = [
    "DutyLog", "DutyLogView", "DutyService", "ImportReport", "OnDutyView", "PersonRef", "PresenceRecorder", "RoomView",
    "RosterOnCall", "ShiftView", "SwapView",
]
