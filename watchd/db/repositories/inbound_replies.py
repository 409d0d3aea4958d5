"""SMS replies received (modem inbox, provider uplinks), each recorded once."""

from __future__ import annotations

from sqlalchemy.orm import Session

from watchd.db.models import InboundReplyRecord
from watchd.db.repositories.idempotent import insert_once


class InboundRepliesRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def insert(self, row: InboundReplyRecord) -> bool:
        """Record the reply once; False when the same reply (sender, time, text) was recorded before."""
        return insert_once(self.session, row)
