"""Scheduled jobs: settlement, the monthly reports, visit reminders, the holiday-calendar check and the
upkeep checks that raise the administrator's notices.

APScheduler 3 (AsyncIOScheduler) only wakes the jobs up; what a job has done is kept in the
database (`scheduler_runs`: the last slot each job completed), so:
- downtime is caught up, not skipped: at start, and whenever a job fires, every slot since the
  last completed one is run (each missed month for the monthly reports; the latest one for the
  daily jobs, whose work covers the days before);
- several processes may run the scheduler: a job runs only while its process holds the
  scheduler lock (a PostgreSQL advisory lock, or a lock file next to an SQLite database), and it
  skips slots another process has already recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from watchd.cluster import node_name
from watchd.container import Services
from watchd.db.repositories.scheduler import SchedulerRepository
from watchd.db.session import Database
from watchd.domain.attendance.visits import previous_month
from watchd.domain.checkin import local_day
from watchd.ops.heartbeat import Heartbeat, Heartbeats
from watchd.ops.retention import Retention
from watchd.ops.upkeep import Upkeep
from watchd.reports.files import write_monthly_reports

log = logging.getLogger(__name__)
ADVISORY_KEY = 0x7761746368640601  # "watchd" + issue 6: one scheduler per database
MAX_CATCH_UP = 24  # at most this many missed slots of one job are run after downtime
SCHEDULER_BEAT_S = 30.0
JOB_DEFAULTS = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}


class SchedulerLock(Protocol):
    def hold(self) -> contextlib.AbstractContextManager[bool]:
        """Context manager yielding True when this process now holds the lock (non-blocking)."""
        ...


class FileLock:
    """An exclusive flock on a file (SQLite: all processes sharing the database share the file)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextlib.contextmanager
    def hold(self) -> Iterator[bool]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock, held on one connection for the duration."""

    def __init__(self, db: Database, key: int = ADVISORY_KEY) -> None:
        self.db = db
        self.key = key

    @contextlib.contextmanager
    def hold(self) -> Iterator[bool]:
        with self.db.read() as s:
            repo = SchedulerRepository(s)
            if not repo.try_advisory_lock(self.key):
                yield False
                return
            try:
                yield True
            finally:
                repo.advisory_unlock(self.key)


def lock_for(db: Database, data_dir: Path) -> SchedulerLock:
    if db.dialect == "postgresql":
        return AdvisoryLock(db)
    return FileLock(data_dir / "scheduler.lock")


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    trigger: CronTrigger | IntervalTrigger
    run: Callable[[datetime], object]  # called with the slot (the time the run was due)
    each_slot: bool = False  # True: every missed slot is run (monthly reports); else only the latest


def due_slots(job: Job, last: datetime | None, now: datetime, zone: ZoneInfo) -> list[datetime]:
    """The slots to run now: fire times in (last, now]; only the latest unless the job wants each."""
    if isinstance(job.trigger, IntervalTrigger):
        return [now]  # interval jobs (settlement) simply run whenever woken; their work is idempotent
    horizon = now - timedelta(days=40) if last is None else last
    slots: list[datetime] = []
    fire = job.trigger.get_next_fire_time(None, horizon.astimezone(zone) + timedelta(microseconds=1))
    while fire is not None and fire <= now and len(slots) < 10_000:
        slots.append(fire)
        fire = job.trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    if not slots:
        return []
    if job.each_slot and last is not None:
        return slots[-MAX_CATCH_UP:]
    return slots[-1:]


class JobRunner:
    """Runs due slots of the jobs under the lock and records them; the unit tests drive it directly."""

    def __init__(
        self, db: Database, jobs: list[Job], clock: Callable[[], datetime], lock: SchedulerLock, zone: ZoneInfo
    ) -> None:
        self.db = db
        self.jobs = {j.id: j for j in jobs}
        self.clock = clock
        self.lock = lock
        self.zone = zone

    def run_due(self, job_id: str) -> list[datetime]:
        job = self.jobs[job_id]
        with self.lock.hold() as held:
            if not held:
                log.info("job %s: another process holds the scheduler lock; skipped", job_id)
                return []
            now = self.clock()
            with self.db.read() as s:
                last = SchedulerRepository(s).last_slot(job_id)
            done = []
            for slot in due_slots(job, last, now, self.zone):
                if last is not None and slot <= last and not isinstance(job.trigger, IntervalTrigger):
                    continue
                try:
                    job.run(slot)
                except Exception:
                    log.exception("job %s failed for slot %s; it runs again at the next wake-up", job_id, slot)
                    break
                with self.db.unit_of_work() as s:
                    SchedulerRepository(s).record(job_id, slot, self.clock())
                done.append(slot)
                if slot < now - timedelta(minutes=10) and not isinstance(job.trigger, IntervalTrigger):
                    log.warning("job %s: caught up the run due at %s", job_id, slot.isoformat())
            return done

    def run_all_due(self) -> dict[str, list[datetime]]:
        """At start: catch up every job (downtime)."""
        return {job_id: self.run_due(job_id) for job_id in self.jobs}


def attendance_jobs(services: Services) -> list[Job]:
    """Settlement, the holiday-calendar check, visit reminders and the monthly reports."""
    config = services.config.settings.attendance
    zone = services.config.settings.zone

    def monthly(slot: datetime) -> None:
        month = previous_month(local_day(slot, zone))
        write_monthly_reports(services, month, slot)
        services.visits.send_missed_lists(month)

    return [
        Job("settlement", IntervalTrigger(minutes=config.settle_every_minutes, timezone=zone),
            lambda _slot: services.attendance.settle()),
        Job("calendar_check", CronTrigger(hour=8, minute=0, timezone=zone),
            lambda _slot: services.attendance.check_calendar()),
        Job("visit_reminders", CronTrigger(hour=config.reminders_at.hour, minute=config.reminders_at.minute,
                                           timezone=zone),
            lambda _slot: services.visits.send_visit_reminders()),
        Job("rectification_reminders", CronTrigger(hour=config.reminders_at.hour,
                                                   minute=config.reminders_at.minute, timezone=zone),
            lambda _slot: services.rectification.send_reminders()),
        Job("monthly_reports", CronTrigger(day=1, hour=config.monthly_reports_at.hour,
                                           minute=config.monthly_reports_at.minute, timezone=zone),
            monthly, each_slot=True),
        Job("worklog_reminders", CronTrigger(hour=services.config.settings.worklog.remind_at.hour,
                                             minute=services.config.settings.worklog.remind_at.minute, timezone=zone),
            services.worklog.send_reminders),
    ]


def upkeep_job(services: Services) -> Job:
    """Disk, certificate, terminal users, nodes: notices raised or cleared, waiting ones sent in working hours."""
    settings = services.config.settings
    upkeep = Upkeep(
        services.db, settings, services.config.data_dir, services.notices, services.punches.unknown_users,
        services.clock, node_name=node_name(settings.cluster),
    )
    return Job("upkeep", IntervalTrigger(minutes=settings.notices.check_every_minutes, timezone=settings.zone),
               lambda _slot: upkeep.run())


def retention_job(services: Services) -> Job:
    """Daily deletion of pictures past their retention, and of orphan files (watchd/ops/retention.py)."""
    settings = services.config.settings
    hour, minute = (int(part) for part in settings.retention.run_at.split(":"))
    retention = Retention(services.db, services.config.data_dir, settings.retention)
    return Job("retention", CronTrigger(hour=hour, minute=minute, timezone=settings.zone),
               lambda _slot: retention.run(services.clock()))


class AttendanceScheduler:
    """The APScheduler wrapper started by `watchd run`."""

    def __init__(self, runner: JobRunner, zone: ZoneInfo, heartbeats: Heartbeats | None = None) -> None:
        self.runner = runner
        self.scheduler = AsyncIOScheduler(timezone=zone, job_defaults=dict(JOB_DEFAULTS))
        self.heartbeats = heartbeats or Heartbeats()
        self._heartbeat: Heartbeat | None = None

    def start(self) -> None:
        for job in self.runner.jobs.values():
            self.scheduler.add_job(
                self.runner.run_due, job.trigger, args=[job.id], id=job.id, name=job.id, replace_existing=True
            )
        self.scheduler.add_job(self.runner.run_all_due, id="catch_up", name="catch up after downtime")
        # A job of its own that only beats: it runs only while APScheduler wakes jobs up.
        self._heartbeat = self.heartbeats.register("scheduler", SCHEDULER_BEAT_S)
        self.scheduler.add_job(self._heartbeat.beat, IntervalTrigger(seconds=SCHEDULER_BEAT_S), id="heartbeat",
                               name="scheduler heartbeat")
        self.scheduler.start()
        log.info("scheduler started: %s", ", ".join(sorted(self.runner.jobs)))

    def next_runs(self) -> dict[str, datetime | None]:
        return {j.id: j.next_run_time for j in self.scheduler.get_jobs()}

    async def stop(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.close()
        self.scheduler.shutdown(wait=False)
        await asyncio.sleep(0)


def build_scheduler(services: Services) -> AttendanceScheduler:
    settings = services.config.settings
    runner = JobRunner(
        services.db, [*attendance_jobs(services), retention_job(services), upkeep_job(services)], services.clock,
        lock_for(services.db, services.config.data_dir),
        settings.zone,
    )
    return AttendanceScheduler(runner, settings.zone, services.runtime.heartbeats)
