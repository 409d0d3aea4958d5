"""The duty service: the roster as read (`DutyRoster`, which it is), its edits and the swaps.

Who may do what: an administrator edits and imports the roster (`roster_edits`); an officer asks
for a swap of their own shift and a leader or an administrator decides it (`swaps`). The one
object the rest of watchd holds for duty; each job lives in its own module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime

from watchd.db.session import Database
from watchd.domain.duty import DutyRole
from watchd.services.auth import Principal
from watchd.services.duty.ical import roster_ical
from watchd.services.duty.roster import DutyRoster
from watchd.services.duty.roster_edits import RosterEdits
from watchd.services.duty.swaps import Swaps
from watchd.services.duty.views import ImportReport, ShiftView, SwapView
from watchd.settings.root import Settings


class DutyService(DutyRoster):
    def __init__(self, db: Database, settings: Settings, clock: Callable[[], datetime]) -> None:
        super().__init__(db, settings, clock)
        self.edits = RosterEdits(self)
        self.swap_desk = Swaps(self)

    # -- the roster's edits ------------------------------------------------------------------------
    def set_day(
        self, actor: Principal, room_id: str, day: date, *, officers: Sequence[str], leaders: Sequence[str]
    ) -> ShiftView:
        return self.edits.set_day(actor, room_id, day, officers=officers, leaders=leaders)

    def import_roster(self, actor: Principal, filename: str, data: bytes, *, dry_run: bool = False) -> ImportReport:
        return self.edits.import_roster(actor, filename, data, dry_run=dry_run)

    def ical(self, first: date, last: date, *, person_id: str | None = None, room_id: str | None = None) -> bytes:
        """The shifts (after swaps) as an iCalendar file for phones: one all-shift event per person and shift."""
        shifts = self.roster(first, last, room_id)
        return roster_ical(shifts, township=self.settings.township, person_id=person_id, now=self.clock())

    # -- swaps -------------------------------------------------------------------------------------
    def request_swap(
        self, actor: Principal, *, room_id: str, day: date, role: DutyRole, from_person: str, to_person: str,
        back_day: date | None = None, reason: str = "",
    ) -> SwapView:
        return self.swap_desk.request_swap(
            actor, room_id=room_id, day=day, role=role, from_person=from_person, to_person=to_person,
            back_day=back_day, reason=reason,
        )

    def decide_swap(self, actor: Principal, swap_id: int, *, approve: bool, note: str = "") -> SwapView:
        return self.swap_desk.decide_swap(actor, swap_id, approve=approve, note=note)

    def cancel_swap(self, actor: Principal, swap_id: int) -> SwapView:
        return self.swap_desk.cancel_swap(actor, swap_id)

    def swaps(
        self, *, statuses: Sequence[str] | None = None, person_id: str | None = None, room_id: str | None = None,
        since: date | None = None, limit: int = 200,
    ) -> list[SwapView]:
        return self.swap_desk.swaps(statuses=statuses, person_id=person_id, room_id=room_id, since=since, limit=limit)
