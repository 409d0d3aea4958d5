"""The spot checks' clock work: draw each shift's checks once, issue each when its time comes (the
screen shows it, or the officer gets a text, written to the outbox in the same transaction), and
settle the ones nobody answered in time as missed, raising an incident to the leader on duty.

Everything lives in the database, so a restart (or a SIGKILL) loses nothing: a check is open until it
is answered or its answer time has passed, whichever process looks next. A missed check's incident is
reported before the check is marked missed; the report is idempotent (same key and time), so a crash
between the two reports it once.
"""

from __future__ import annotations

import logging
import random
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from watchd.alerts.direct import DirectMessage, write_direct
from watchd.alerts.service import AlertService
from watchd.alerts.texts import local_time
from watchd.db.models import SpotCheck, SpotCheckPlan
from watchd.db.repositories.alerts import AlertsRepository
from watchd.db.repositories.spot_checks import SpotChecksRepository
from watchd.db.session import Database
from watchd.domain.observations import Observation, ObservationKind
from watchd.domain.spot_checks import (
    Channel,
    Daily,
    DrawRules,
    Status,
    draw_checks,
    miss_severity,
    miss_summary,
    new_code,
)
from watchd.services.duty import DutyService, OnDutyView
from watchd.settings.spot_checks import SpotCheckSettings, TimeRange

log = logging.getLogger(__name__)
PURPOSE = "spot_check"


def _daily(r: TimeRange) -> Daily:
    return Daily(r.start, r.end)


class Issuing:
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
        self.alerts = alerts
        self.clock = clock
        self.settings: SpotCheckSettings = duty.config.spot_checks
        self.rng = rng or secrets.SystemRandom()  # a test may pass a seeded random.Random
        s = self.settings
        self.rules = DrawRules(
            screen=s.screen_per_shift,
            sms=s.sms_per_shift,
            min_gap=timedelta(minutes=s.min_gap_minutes),
            edge=timedelta(minutes=max(s.answer_minutes, s.sms_answer_minutes)),
            window=_daily(s.window) if s.window is not None else None,
            quiet=[_daily(q) for q in s.quiet_hours],
        )

    def answer_time(self, channel: Channel) -> timedelta:
        minutes = (
            self.settings.answer_minutes if channel is Channel.screen else self.settings.sms_answer_minutes
        )
        return timedelta(minutes=minutes)

    def drawn_rooms(self) -> list[str]:
        if not self.settings.enabled:
            return []
        return list(self.settings.rooms) or self.duty.room_ids()

    # -- the tick ----------------------------------------------------------------------------------
    def tick(self) -> int:
        """Draw, issue, settle; returns how many checks changed. Safe to run in several processes."""
        now = self.clock()
        changed = 0
        for room_id in self.drawn_rooms():
            changed += self.draw(room_id, now)
        with self.db.read() as s:
            due = [(r.id, r.room_id, r.planned_at) for r in SpotChecksRepository(s).due(now)]
        for check_id, room_id, planned_at in due:
            changed += self.issue_due(check_id, room_id, planned_at, now)
        changed += self.settle_missed(now)
        return changed

    def draw(self, room_id: str, now: datetime) -> int:
        shift = self.duty.shift_at(room_id, now)
        with self.db.read() as s:
            if SpotChecksRepository(s).has_plan(room_id, shift.day):
                return 0
        draws = draw_checks(self.rng, shift.start, shift.end, self.rules, self.duty.zone)
        asked = self.rules.screen + self.rules.sms
        if len(draws) < asked:
            log.warning(
                "spot checks for %s %s: only %d of %d fit the window with the minimum gap",
                room_id,
                shift.day,
                len(draws),
                asked,
            )
        rows = [
            SpotCheck(
                room_id=room_id,
                day=shift.day,
                seq=i,
                channel=d.channel.value,
                status=Status.planned.value,
                planned_at=d.at,
                officers="",
                note="",
            )
            for i, d in enumerate(draws)
            if d.at > now  # a shift first seen half-way keeps its future checks
        ]
        with self.db.unit_of_work() as s:
            plan = SpotCheckPlan(room_id=room_id, day=shift.day, drawn_at=now, checks=len(rows))
            if not SpotChecksRepository(s).add_plan(plan, rows):
                return 0
        log.info("spot checks for %s %s drawn: %d", room_id, shift.day, len(rows))  # never the times
        return len(rows)

    def issue_due(self, check_id: int, room_id: str, planned_at: datetime, now: datetime) -> int:
        with self.db.unit_of_work() as s:
            repo = SpotChecksRepository(s)
            row = repo.get(check_id)
            if row is None or row.status != Status.planned.value:
                return 0
            if now - planned_at > self.answer_time(Channel(row.channel)):
                # the server was not running when it was due: nobody could have answered it
                return int(
                    repo.move(
                        check_id,
                        Status.planned.value,
                        status=Status.skipped.value,
                        note="服务未运行，未能按时查岗",
                    )
                )
            issued = self.issue(s, row, self.duty.on_duty_now(room_id, now), now, started_by=None)
            texted = issued is not None and issued.channel == Channel.sms.value
        if texted:
            self.alerts.nudge(1)  # the runner sends the text now, not at its next tick
        return int(issued is not None)

    def issue(
        self, s: Session, row: SpotCheck, on_duty: OnDutyView, now: datetime, *, started_by: str | None
    ) -> SpotCheck | None:
        """Open the check (planned → open) in the caller's unit of work; for a text check the message
        is queued in the same transaction. None when it cannot be made (then it is skipped)."""
        repo = SpotChecksRepository(s)
        channel = Channel(row.channel)
        officers = ",".join(o.person_id for o in on_duty.officers)
        values: dict[str, object] = {
            "status": Status.open.value,
            "issued_at": now,
            "due_at": now + self.answer_time(channel),
            "officers": officers,
            "started_by": started_by,
        }
        reason = "" if officers else "未排班"
        target = None
        if channel is Channel.screen:
            values.update(code=new_code(self.rng), nonce=secrets.token_urlsafe(24))
        else:
            reachable = [o for o in on_duty.officers if o.phone]
            chain = [c.id for c in self.alerts.settings.person_channels()]
            reason = reason or (
                "值班人员没有手机号码" if not reachable else "" if chain else "没有可用的短信通道"
            )
            if not reason:
                target = self.rng.choice(reachable)
                taken = [r.code or "" for r in repo.open_checks(Channel.sms.value)]
                values.update(code=new_code(self.rng, taken), person_id=target.person_id, phone=target.phone)
        if reason:
            repo.move(
                row.id, row.status, status=Status.skipped.value, note=reason, issued_at=now, officers=officers
            )
            log.warning("spot check %d in %s skipped: %s", row.id, row.room_id, reason)
            return None
        if not repo.move(row.id, row.status, **values):
            return None
        fresh = repo.get(row.id)
        assert fresh is not None
        if target is not None:
            text = (
                f"【值班查岗】{target.name}，请在{local_time(fresh.due_at or now, self.duty.zone)}前"
                f"回复查岗码{fresh.code}。"
            )
            message = DirectMessage(
                key=f"spot-check:{fresh.id}",
                purpose=PURPOSE,
                person_id=target.person_id,
                name=target.name,
                phone=target.phone or "",
                text=text,
                params={"code": fresh.code or ""},
            )
            write_direct(
                AlertsRepository(s),
                self.alerts.composer,
                message,
                [c.id for c in self.alerts.settings.person_channels()],
                now,
            )
        log.info("spot check %d in %s issued on the %s", fresh.id, fresh.room_id, channel.value)
        return fresh

    def settle_missed(self, now: datetime) -> int:
        with self.db.read() as s:
            overdue = [r.id for r in SpotChecksRepository(s).overdue(now)]
        return sum(self.miss(check_id) for check_id in overdue)

    def miss(self, check_id: int) -> int:
        with self.db.read() as s:
            repo = SpotChecksRepository(s)
            row = repo.get(check_id)
            if row is None or row.status != Status.open.value or row.due_at is None:
                return 0
            misses = repo.misses(row.room_id, row.day) + 1
            room_id, day, channel, due_at = row.room_id, row.day, Channel(row.channel), row.due_at
            officers = "、".join(self.duty.person_names([p for p in row.officers.split(",") if p]))
        self.alerts.report(
            Observation(
                kind=ObservationKind.spot_check_missed,
                site_id=room_id,
                subject=f"check-{check_id}",
                occurred_at=due_at,
                severity=miss_severity(misses, self.settings.major_after_misses),
                summary=miss_summary(misses, officers, channel),
                details={
                    "check_id": check_id,
                    "channel": channel.value,
                    "day": day.isoformat(),
                    "misses": misses,
                },
            )
        )
        with self.db.unit_of_work() as s:
            moved = SpotChecksRepository(s).move(check_id, Status.open.value, status=Status.missed.value)
        if moved:
            log.warning("spot check %d in %s missed (%d in the shift of %s)", check_id, room_id, misses, day)
        return int(moved)
