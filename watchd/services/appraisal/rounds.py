"""Appraisal rounds: creating one (the cadres appraised and the group rules are fixed then), what a
round looks like now (status, rolls, turnout, anomaly flags), and finalising it after the close
(the last ballots mixed in, the device fingerprints dropped, only their counts kept)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchd.db.models import AppraisalRound, Person, PersonVillage
from watchd.db.repositories.appraisal import AppraisalRepository
from watchd.db.session import Database
from watchd.domain.appraisal import CODE_GROUPS, GROUP_NAMES, GROUPS, worst_burst
from watchd.errors import Invalid, NotFound
from watchd.services.appraisal.mixing import flush_pool
from watchd.services.appraisal.views import GroupRuleView, RoundView
from watchd.services.auth import Principal
from watchd.services.leave import LEADER_ROLES
from watchd.settings.appraisal import AppraisalSettings

log = logging.getLogger(__name__)


MAX_PERIOD_DAYS = 366  # a round is a quarter or a year; its sheet reads every working day of the period


@dataclass(frozen=True, slots=True)
class NewRound:
    name: str
    period_start: date
    period_end: date
    opens_at: datetime
    closes_at: datetime
    organisation: str = ""


def groups_of(row: AppraisalRound) -> dict[str, GroupRuleView]:
    return {
        g: GroupRuleView(GROUP_NAMES[g], int(row.groups[g]["weight"]), int(row.groups[g]["min_ballots"]))
        for g in GROUPS
    }


def status_of(row: AppraisalRound, now: datetime) -> str:
    return "pending" if now < row.opens_at else "open" if now < row.closes_at else "closed"


def leaders(session: Session, organisation: str) -> list[str]:
    """The leadership roll: leaders (and principal leaders) of the round's organisation, or all."""
    stmt = select(Person.id).where(Person.role.in_(LEADER_ROLES), Person.deleted_at.is_(None))
    if organisation:
        stmt = stmt.where(Person.organisation == organisation)
    return list(session.scalars(stmt.order_by(Person.id)))


class Rounds:
    def __init__(
        self, db: Database, settings: AppraisalSettings, zone: ZoneInfo, clock: Callable[[], datetime]
    ) -> None:
        self.db = db
        self.settings = settings
        self.zone = zone
        self.clock = clock

    def create(self, actor: Principal, new: NewRound) -> RoundView:
        name = new.name.strip()
        if not 1 <= len(name) <= 60:
            raise Invalid("appraisal_bad_name", "the round's name has 1-60 characters", field="name")
        if new.period_end < new.period_start:
            raise Invalid("appraisal_bad_period", "the period ends before it starts", field="period_end")
        if (new.period_end - new.period_start).days > MAX_PERIOD_DAYS:
            # A round is a quarter or a year; the sheet reads every working day of the period.
            raise Invalid(
                "appraisal_long_period", f"the period is longer than {MAX_PERIOD_DAYS} days", field="period_end"
            )
        if new.opens_at.tzinfo is None or new.closes_at.tzinfo is None:
            raise Invalid("naive_time", "opens_at and closes_at must carry a UTC offset")
        if new.closes_at <= new.opens_at:
            raise Invalid("appraisal_bad_window", "the vote closes before it opens", field="closes_at")
        with self.db.unit_of_work() as s:
            stmt = (
                select(Person.id)
                .join(PersonVillage, PersonVillage.person_id == Person.id)
                .where(Person.role == "cadre", Person.deleted_at.is_(None))
                .distinct()
            )
            if new.organisation:
                stmt = stmt.where(Person.organisation == new.organisation)
            cadres = sorted(s.scalars(stmt))
            if not cadres:
                raise Invalid(
                    "appraisal_no_cadres",
                    "no village-stationed cadre (role cadre with a village) to appraise",
                    organisation=new.organisation,
                )
            groups = {
                g: {"weight": r.weight, "min_ballots": r.min_ballots}
                for g, r in self.settings.groups().items()
            }
            row = AppraisalRepository(s).add_round(
                AppraisalRound(
                    name=name,
                    period_start=new.period_start,
                    period_end=new.period_end,
                    opens_at=new.opens_at,
                    closes_at=new.closes_at,
                    organisation=new.organisation.strip(),
                    groups=groups,
                    created_by=actor.username,
                    created_at=self.clock(),
                    flags={},
                ),
                cadres,
            )
            round_id = row.id
        log.info(
            "appraisal round %d %r created by %s: %d cadres", round_id, name, actor.username, len(cadres)
        )
        return self.view(round_id)

    def rounds(self) -> list[RoundView]:
        with self.db.read() as s:
            ids = [r.id for r in AppraisalRepository(s).rounds()]
        return [self.view(i) for i in ids]

    def get(self, session: Session, round_id: int) -> AppraisalRound:
        row = AppraisalRepository(session).round(round_id)
        if row is None:
            raise NotFound("appraisal_round_not_found", f"no appraisal round {round_id}")
        return row

    def finalise_if_closed(self, round_id: int) -> None:
        """After the close, once: mix in what is left in the pool and drop the device fingerprints."""
        now = self.clock()
        with self.db.read() as s:
            row = self.get(s, round_id)
            if row.finalised_at is not None or now < row.closes_at:
                return
        with self.db.unit_of_work() as s:
            repo = AppraisalRepository(s)
            locked = repo.round(round_id, for_update=True)
            if locked is None or locked.finalised_at is not None:
                return
            flush_pool(s, round_id)
            counts = repo.device_counts(round_id)
            over = [n for n in counts if n > self.settings.device_codes]
            locked.flags = {**locked.flags, "devices_over": len(over), "device_max": max(counts, default=0)}
            repo.drop_devices(round_id)
            locked.finalised_at = now
        log.info("appraisal round %d finalised", round_id)

    def view(self, round_id: int) -> RoundView:
        self.finalise_if_closed(round_id)
        now = self.clock()
        with self.db.read() as s:
            row = self.get(s, round_id)
            repo = AppraisalRepository(s)
            counts = repo.roll_counts(round_id)
            roll = {g: sum(n for (grp, _), (n, _, _) in counts.items() if grp == g) for g in CODE_GROUPS}
            issued = {g: sum(i for (grp, _), (_, i, _) in counts.items() if grp == g) for g in CODE_GROUPS}
            used = {g: sum(u for (grp, _), (_, _, u) in counts.items() if grp == g) for g in CODE_GROUPS}
            ballots = repo.ballot_counts(round_id)
            voters = repo.voters(round_id)
            eligible = {
                "leadership": len(leaders(s, row.organisation)),
                "cadres": len(repo.cadre_ids(round_id)),
                **roll,
            }
            flags = self._flags(row, repo, ballots, {**voters, **used}, eligible)
            return RoundView(
                id=row.id,
                name=row.name,
                period_start=row.period_start,
                period_end=row.period_end,
                opens_at=row.opens_at,
                closes_at=row.closes_at,
                organisation=row.organisation,
                status=status_of(row, now),
                groups=groups_of(row),
                cadres=eligible["cadres"],
                roll=roll,
                codes_issued=issued,
                ballots={g: ballots.get(g, 0) for g in GROUPS},
                pooled=repo.pool_size(round_id),
                flags=flags,
            )

    def _flags(
        self,
        row: AppraisalRound,
        repo: AppraisalRepository,
        ballots: dict[str, int],
        cast: dict[str, int],
        eligible: dict[str, int],
    ) -> list[str]:
        out = []
        for g in GROUPS:
            n = ballots.get(g, 0)
            if n > eligible.get(g, 0):
                out.append(f"{GROUP_NAMES[g]}：选票{n}张，多于名册{eligible.get(g, 0)}人（户）")
            if n != cast.get(g, 0):
                out.append(f"{GROUP_NAMES[g]}：选票{n}张，与已投票的评议码或账号{cast.get(g, 0)}个不符")
        window = timedelta(minutes=self.settings.burst_window_minutes)
        worst, start = worst_burst(repo.tallies(row.id), window)
        if worst > self.settings.burst_ballots and start is not None:
            out.append(
                f"集中投票：{self.settings.burst_window_minutes}分钟内{worst}张选票（{start.astimezone(self.zone):%Y-%m-%d %H:%M} 起）"
            )
        if row.finalised_at is None:
            counts = repo.device_counts(row.id)
            over, most = sum(1 for n in counts if n > self.settings.device_codes), max(counts, default=0)
        else:
            over, most = int(row.flags.get("devices_over", 0)), int(row.flags.get("device_max", 0))
        if over:
            out.append(
                f"同一设备多次使用评议码：{over}台设备超过{self.settings.device_codes}个（最多{most}个）"
            )
        return out
