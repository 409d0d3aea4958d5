"""Spot checks (查岗): the one object the rest of watchd holds.

`tick()` draws each shift's checks, issues them and settles missed ones (the daemon calls it every few
seconds; tests call it with the clock they drive); the duty-room screen reads `open_for_screen` and
answers with `answer_on_screen`; SMS replies reach `claim_reply` through the alert service; the leader
on duty calls `start`; the duty log and the monthly report read `of_shift` and `between`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import date, datetime

from sqlalchemy.orm import Session

from watchd.alerts.service import AlertService
from watchd.db.models import SpotCheck
from watchd.db.repositories.spot_checks import SpotChecksRepository
from watchd.db.session import Database
from watchd.domain.spot_checks import Channel, ScreenCheckView, SpotCheckView, Status
from watchd.services.auth import Principal
from watchd.services.duty import DutyService
from watchd.services.spot_checks.answers import Answers
from watchd.services.spot_checks.issuing import Issuing
from watchd.services.spot_checks.views import views_in

TICK_SECONDS = 5.0


class SpotCheckService:
    def __init__(
        self,
        db: Database,
        duty: DutyService,
        alerts: AlertService,
        clock: Callable[[], datetime],
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.duty = duty
        self.clock = clock
        self.issuing = Issuing(db, duty, alerts, clock, rng)
        self.answers = Answers(self.issuing)
        self.settings = self.issuing.settings

    def tick(self) -> int:
        return self.issuing.tick()

    # -- the duty-room screen ------------------------------------------------------------------------
    def open_for_screen(self, actor: Principal) -> list[ScreenCheckView]:
        """Open screen checks with their nonces: only for a duty-room screen's login."""
        self.answers.check_screen(actor)
        now = self.clock()
        with self.db.read() as s:
            rows = SpotChecksRepository(s).open_checks(Channel.screen.value)
            return [
                ScreenCheckView(
                    id=r.id,
                    room_id=r.room_id,
                    room_name=self.duty.room_name(r.room_id),
                    code=r.code or "",
                    nonce=r.nonce or "",
                    issued_at=r.issued_at or now,
                    due_at=r.due_at or now,
                    seconds_left=max(0, int(((r.due_at or now) - now).total_seconds())),
                    started_by=r.started_by,
                )
                for r in rows
                if r.due_at is not None and r.due_at > now
            ]

    def answer_on_screen(self, actor: Principal, check_id: int, nonce: str, code: str) -> SpotCheckView:
        return self.answers.answer_on_screen(actor, check_id, nonce, code)

    # -- text replies (the alert service's ReplyClaimer) ---------------------------------------------
    def claim_reply(self, sender: str, text: str, received_at: datetime) -> str | None:
        return self.answers.claim_reply(sender, text, received_at)

    # -- the leader on duty --------------------------------------------------------------------------
    def start(self, actor: Principal, room_id: str, channel: Channel) -> SpotCheckView:
        return self.answers.start(actor, room_id, channel)

    # -- the duty log and the reports ----------------------------------------------------------------
    def of_shift(self, room_id: str, day: date) -> list[SpotCheckView]:
        """The shift's checks that have come (planned ones stay secret until their time)."""
        with self.db.read() as s:
            rows = [
                r for r in SpotChecksRepository(s).of_shift(room_id, day) if r.status != Status.planned.value
            ]
            return self._views(s, rows)

    def between(self, first: date, last: date) -> list[SpotCheckView]:
        """Answered and missed checks of the shifts from `first` to `last`."""
        with self.db.read() as s:
            return self._views(s, SpotChecksRepository(s).between(first, last))

    def counted_for(self, first: date, last: date) -> dict[int, list[str]]:
        """Check id → the officers it counts for: a text check its officer, a screen check everyone on duty."""
        with self.db.read() as s:
            rows = SpotChecksRepository(s).between(first, last)
            return {
                r.id: [r.person_id]
                if r.channel == Channel.sms.value and r.person_id
                else [p for p in r.officers.split(",") if p]
                for r in rows
            }

    @staticmethod
    def _views(s: Session, rows: Sequence[SpotCheck]) -> list[SpotCheckView]:
        return views_in(s, rows)
