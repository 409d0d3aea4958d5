"""What watchd knows of each terminal: identity and clock from probes, online state, last contact, read position."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from watchd.db.models import TerminalState


class TerminalStatesRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def state(self, device_id: str) -> TerminalState:
        row = self.session.get(TerminalState, device_id)
        if row is None:
            row = TerminalState(device_id=device_id, detail="")
            self.session.add(row)
            self.session.flush()
        return row

    def find_state(self, device_id: str) -> TerminalState | None:
        return self.session.get(TerminalState, device_id)

    def states(self) -> dict[str, TerminalState]:
        return {s.device_id: s for s in self.session.scalars(select(TerminalState))}

    def push_states(self) -> Sequence[TerminalState]:
        """States of devices that call us (their presence is judged from their last contact)."""
        return self.session.scalars(
            select(TerminalState).where(
                TerminalState.presence_timeout_s.is_not(None),
                or_(TerminalState.last_contact_at.is_not(None), TerminalState.online.is_not(None)),
            )
        ).all()

    def contacts(self) -> dict[str, datetime]:
        """Terminals' last contact (pull or push), kept by the terminal ingest: a watermark for them."""
        rows = self.session.execute(
            select(TerminalState.device_id, TerminalState.last_contact_at).where(
                TerminalState.last_contact_at.is_not(None)
            )
        )
        return {d: t for d, t in rows if t is not None}
