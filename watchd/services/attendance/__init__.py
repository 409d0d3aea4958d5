"""Attendance: punches, approvals and the calendar into settled days, and the views of them.

- `calendar`: the working calendar (holiday data plus corrections; a notice for a missing year);
- `watermarks`: how far each device has delivered, which settlement waits for;
- `evaluation`: a person's day from their punches, leave, villages and duty (`DayResult`);
- `settlement`: storing finished days, and correcting them when late uploads or approvals arrive;
- `views`: a day of everybody, a person's days, a month's facts;
- `records`: the one mapper between the day's shapes (evaluated, stored, shown, summed);
- `service`: `AttendanceService`, the one object the rest of watchd holds.
"""

from watchd.services.attendance.records import DayRecord
from watchd.services.attendance.service import AttendanceService
from watchd.services.attendance.settlement import SettlementReport
from watchd.services.attendance.views import DailyView, SuspectView
from watchd.services.attendance.watermarks import WatermarkView

__all__ = ["AttendanceService", "DailyView", "DayRecord", "SettlementReport", "SuspectView", "WatermarkView"]
