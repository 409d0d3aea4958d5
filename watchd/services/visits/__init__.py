"""Household pairings (结亲/包户) and the cadres' visits.

- `pairings_import`: households and pairings from the office's CSV/XLSX, all or nothing;
- `pairings`: each month's pairings with their visits (every pairing needs a visit a month);
- `visits`: recording a visit from the phone, listing and showing visits;
- `reminders`: the reminder before the month ends and the leaders' list of missed visits;
- `outbox`: `OutboxReminders`, the `ReminderSink` that queues each reminder as a text message;
- `views`: what these answer with; `service`: `VisitService`, the one object the rest of watchd holds.
"""

from watchd.services.visits.outbox import OutboxReminders
from watchd.services.visits.pairings_import import MAX_IMPORT_BYTES, ImportReport
from watchd.services.visits.reminders import ReminderMessage, ReminderSink, record_reminders
from watchd.services.visits.service import VisitService
from watchd.services.visits.views import PairingView, ReminderView, VisitView
from watchd.services.visits.visits import NewVisit

__all__ = [
    "MAX_IMPORT_BYTES", "ImportReport", "NewVisit", "OutboxReminders", "PairingView", "ReminderMessage", "ReminderSink",
    "ReminderView", "VisitService", "VisitView", "record_reminders",
]
