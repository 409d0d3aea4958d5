"""Visit reminders and the leaders' monthly unvisited lists as text messages.

`OutboxReminders` is the `ReminderSink` of `VisitService`: each reminder becomes one direct message in
the alert outbox (`watchd/alerts/direct.py`), written in the unit of work that records the reminder,
under the reminder's key, so a job that runs again queues nothing more. The alert runner then
delivers it like an incident message, through the person channels in the order configured, but
nothing escalates and nothing waits for an acknowledgement.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from watchd.alerts.direct import DirectMessage, write_direct
from watchd.alerts.service import AlertService
from watchd.db.repositories.alerts import AlertsRepository
from watchd.db.repositories.people import PeopleRepository
from watchd.services.visits.reminders import ReminderMessage

log = logging.getLogger(__name__)
PURPOSE = "reminder"


class OutboxReminders:
    def __init__(self, alerts: AlertService) -> None:
        self.alerts = alerts

    def deliver(self, session: Session, reminder: ReminderMessage) -> None:
        if reminder.person_id is None or not reminder.phone:
            who = reminder.person_id or "nobody (no leader in the organisation)"
            log.warning("reminder %s: %s has no mobile number; it is only listed, not sent", reminder.key, who)
            return
        chain = [c.id for c in self.alerts.settings.person_channels()]
        if not chain:
            log.error("reminder %s: no enabled person channel under [alerts]; it is only listed, not sent",
                      reminder.key)
            return
        person = PeopleRepository(session).get(reminder.person_id, include_deleted=True)
        message = DirectMessage(
            key=reminder.key, purpose=PURPOSE, person_id=reminder.person_id,
            name=person.name if person is not None else reminder.person_id, phone=reminder.phone,
            text=reminder.text,
        )
        write_direct(AlertsRepository(session), self.alerts.composer, message, chain, self.alerts.clock())
