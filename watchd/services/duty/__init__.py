"""Duty rosters and swaps, and the one answer to "who is on duty / on call now".

- `roster`: rooms, shifts after swaps, who is on duty (`DutyRoster`; the month is cached briefly);
- `roster_edits`: an administrator sets a day or imports the office's 值班表 (`roster_file` parses it);
- `swaps`: an officer asks, a leader or an administrator decides;
- `ical`: the roster as an iCalendar file; `views`: what all of these answer with;
- `service`: `DutyService`, the roster with its edits and swaps, the one object the rest of watchd holds.
"""

from watchd.services.duty.service import DutyService
from watchd.services.duty.views import ImportReport, OnDutyView, PersonRef, RoomView, ShiftView, SwapView

__all__ = ["DutyService", "ImportReport", "OnDutyView", "PersonRef", "RoomView", "ShiftView", "SwapView"]
