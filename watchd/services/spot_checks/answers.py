"""Answering a spot check, and a leader starting one.

- On the screen: only a duty-room screen's login (role duty_officer, and one of `screen_logins` when
  they are listed) with the check's id, the nonce only that screen was given, and the code it shows.
- By text: a reply quoting the code, from the number the check was sent to. The same code from any
  other phone is refused (and logged); a reply after the answer time is too late.
- The leader on duty of the room starts a check now, on the screen or by text.
"""

from __future__ import annotations

import hmac
import logging
import re
from datetime import datetime, timedelta

from watchd.alerts.notifiers.console import mask_address
from watchd.db.models import SpotCheck
from watchd.db.repositories.spot_checks import SpotChecksRepository
from watchd.domain.incidents import normalize_phone
from watchd.domain.spot_checks import CODE_DIGITS, Channel, SpotCheckView, Status
from watchd.errors import Conflict, Forbidden, Invalid, NotFound
from watchd.services.auth import Principal
from watchd.services.spot_checks.issuing import Issuing
from watchd.services.spot_checks.views import views_in

log = logging.getLogger(__name__)
SCREEN_ROLE = "duty_officer"
CODE_IN_REPLY = re.compile(rf"(?<!\d)(\d{{{CODE_DIGITS}}})(?!\d)")
REPLY_LOOKBACK = timedelta(hours=24)


class Answers:
    def __init__(self, issuing: Issuing) -> None:
        self.issuing = issuing
        self.db = issuing.db
        self.duty = issuing.duty
        self.clock = issuing.clock
        self.settings = issuing.settings

    def check_screen(self, actor: Principal) -> None:
        logins = self.settings.screen_logins
        if actor.role != SCREEN_ROLE or (logins and actor.username not in logins):
            raise Forbidden("spot_check_not_screen", f"login {actor.username!r} is not a duty-room screen")

    def answer_on_screen(self, actor: Principal, check_id: int, nonce: str, code: str) -> SpotCheckView:
        self.check_screen(actor)
        now = self.clock()
        with self.db.unit_of_work() as s:
            repo = SpotChecksRepository(s)
            row = repo.get(check_id)
            if (
                row is None
                or row.channel != Channel.screen.value
                or not row.nonce
                or not hmac.compare_digest(row.nonce.encode(), nonce.encode())
            ):
                raise NotFound("spot_check_not_found", f"no screen spot check {check_id} with this nonce")
            if row.status != Status.open.value or (row.due_at is not None and now > row.due_at):
                raise Conflict(
                    "spot_check_closed", f"spot check {check_id} is {row.status}", status=row.status
                )
            if not hmac.compare_digest((row.code or "").encode(), code.strip().encode()):
                raise Invalid("spot_check_wrong_code", f"wrong code for spot check {check_id}")
            if not repo.move(
                check_id,
                Status.open.value,
                status=Status.answered.value,
                answered_at=now,
                answered_by=actor.username,
            ):
                raise Conflict("spot_check_closed", f"spot check {check_id} was settled meanwhile")
            fresh = repo.get(check_id)
            assert fresh is not None
            [view] = views_in(s, [fresh])
        log.info("spot check %d answered on the screen by %s", check_id, actor.username)
        return view

    def claim_reply(self, sender: str, text: str, received_at: datetime) -> str | None:
        """A text reply with the code of a text check issued in the last day; None: not about a check."""
        codes = CODE_IN_REPLY.findall(text)
        if not codes:
            return None
        phone = normalize_phone(sender)
        since = received_at - REPLY_LOOKBACK
        with self.db.unit_of_work() as s:
            repo = SpotChecksRepository(s)
            rows = [r for c in dict.fromkeys(codes) for r in repo.with_code(Channel.sms.value, c, since)]
            if not rows:
                return None
            mine = [r for r in rows if r.phone == phone]
            if not mine:
                # Refused. The reply goes on to the incident rules: the same digits may be an incident code.
                for r in rows:
                    if r.status == Status.open.value:
                        note = f"拒绝来自{mask_address(phone)}的回复（非值班人员号码）"
                        repo.move(r.id, Status.open.value, note=(r.note + "；" + note).lstrip("；")[:200])
                log.warning(
                    "spot check code from %s, which is not the number it was sent to: refused",
                    mask_address(phone),
                )
                return None
            row = next((r for r in mine if r.status == Status.open.value), mine[0])
            if row.status == Status.answered.value:
                return f"spot check {row.id} answered already"
            if row.status != Status.open.value or (row.due_at is not None and received_at > row.due_at):
                return f"spot check {row.id} is over ({row.status}): too late"
            check_id = row.id
            repo.move(
                check_id,
                Status.open.value,
                status=Status.answered.value,
                answered_at=received_at,
                answered_by=row.person_id,
            )
        log.info("spot check %d answered by text from %s", check_id, mask_address(phone))
        return f"spot check {check_id} answered"

    def start(self, actor: Principal, room_id: str, channel: Channel) -> SpotCheckView:
        """The leader on duty of the room starts a check now."""
        now = self.clock()
        on_duty = self.duty.on_duty_now(self.duty.check_room(room_id), now)
        if actor.username not in {c.person_id for c in on_duty.leaders}:
            raise Forbidden(
                "spot_check_not_leader", f"{actor.username!r} is not the leader on duty in {room_id}"
            )
        with self.db.unit_of_work() as s:
            repo = SpotChecksRepository(s)
            row = SpotCheck(
                room_id=room_id,
                day=on_duty.day,
                seq=repo.next_started_seq(room_id, on_duty.day),
                channel=channel.value,
                status=Status.planned.value,
                planned_at=now,
                officers="",
                note="",
            )
            if not repo.add(row):
                raise Conflict("spot_check_closed", "another check was started at the same moment; try again")
            issued = self.issuing.issue(s, row, on_duty, now, started_by=actor.username)
            if issued is None:
                skipped = repo.get(row.id)
                raise Conflict(
                    "spot_check_nobody",
                    f"spot check in {room_id} could not be made: {skipped.note if skipped else ''}",
                    reason=skipped.note if skipped else "",
                )
            [view] = views_in(s, [issued])
        if channel is Channel.sms:
            self.issuing.alerts.nudge(1)
        log.info("spot check %d started in %s by %s (%s)", view.id, room_id, actor.username, channel.value)
        return view
