"""Texted appraisal codes through the alert outbox (`CodeTexts` of the appraisal service): one direct
message per roll entry, queued in the unit of work that stores the code's hash, delivered by the
alert runner like a visit reminder. The message text holds the code until the outbox's retention
([alerts] keep_days) removes it; a code is worth nothing after its round closes."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from watchd.alerts.direct import DirectMessage, write_direct
from watchd.alerts.service import AlertService
from watchd.db.repositories.alerts import AlertsRepository
from watchd.services.appraisal.issuing import CodeText

log = logging.getLogger(__name__)
PURPOSE = "appraisal"


class OutboxCodeTexts:
    def __init__(self, alerts: AlertService) -> None:
        self.alerts = alerts

    def deliver(self, session: Session, message: CodeText) -> bool:
        chain = [c.id for c in self.alerts.settings.person_channels()]
        if not chain:
            log.error("appraisal code %s: no enabled person channel under [alerts]; not sent", message.key)
            return False
        row = write_direct(
            AlertsRepository(session),
            self.alerts.composer,
            DirectMessage(
                key=message.key,
                purpose=PURPOSE,
                person_id=None,
                name=message.name,
                phone=message.phone,
                text=message.text,
            ),
            chain,
            self.alerts.clock(),
        )
        return row is not None
