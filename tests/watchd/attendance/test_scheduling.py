"""Scheduled jobs: downtime is caught up (not skipped), each run happens once even with a second
scheduler, and `watchd run` starts APScheduler with the jobs."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

from tests.conftest import loaded_config, pg_schema
from tests.helpers.clocks import FakeClock
from tests.watchd.attendance.conftest import ADMIN, ATTENDANCE, PEOPLE, Township, local
from watchd.app import build_services
from watchd.db.repositories.scheduler import SchedulerRepository
from watchd.scheduling import JobRunner, attendance_jobs, build_scheduler, lock_for

PAIRINGS_CSV = "干部编号,户编号,户主姓名,嘎查（村）\nc001,H001,敖登,巴音嘎查\nc002,H002,孟和,呼日嘎查\n".encode()


def runner(t: Township) -> JobRunner:
    s = t.services
    return JobRunner(s.db, attendance_jobs(s), s.clock, lock_for(s.db, s.config.data_dir), s.config.settings.zone)


def test_monthly_reports_missed_while_down_are_all_written_on_return(township: Township) -> None:
    t = township
    t.services.visits.import_pairings("pairings.csv", PAIRINGS_CSV)
    jobs = runner(t)
    t.at(date(2026, 12, 1), "06:05")
    assert len(jobs.run_due("monthly_reports")) == 1
    reports = t.services.config.data_dir / "reports"
    assert (reports / "2026-11-考勤汇总.xlsx").exists()
    assert (reports / "2026-11-走访情况.csv").read_text(encoding="utf-8-sig").count(",否\n") == 2

    t.at(date(2027, 2, 3), "10:00")  # down from December to February: January's and February's runs missed
    caught_up = jobs.run_due("monthly_reports")
    assert [s.date() for s in caught_up] == [date(2027, 1, 1), date(2027, 2, 1)]
    assert (reports / "2026-12-考勤汇总.xlsx").exists() and (reports / "2027-01-考勤汇总.xlsx").exists()
    assert jobs.run_due("monthly_reports") == []

    missed = [r for r in t.services.visits.reminders(ADMIN, None) if r.kind == "visits_missed"]
    assert sorted(r.month for r in missed) == ["2026-11", "2026-12", "2027-01"]
    assert {r.person_id for r in missed} == {"l001"}  # the organisation's leader


def test_visit_reminder_missed_while_down_goes_out_once_on_return(township: Township) -> None:
    t = township
    t.services.visits.import_pairings("pairings.csv", PAIRINGS_CSV)
    jobs = runner(t)
    t.at(date(2026, 11, 24), "09:00")  # five days before the month ends is the 25th
    jobs.run_due("visit_reminders")
    assert t.services.visits.reminders(ADMIN, "2026-11") == []
    t.at(date(2026, 11, 27), "15:00")  # the 25th and 26th were missed
    jobs.run_due("visit_reminders")
    jobs.run_due("visit_reminders")
    t.at(date(2026, 11, 28), "09:00")
    jobs.run_due("visit_reminders")
    sent = t.services.visits.reminders(ADMIN, "2026-11")
    assert sorted(r.person_id or "" for r in sent) == ["c001", "c002"]
    assert "敖登" in next(r.text for r in sent if r.person_id == "c001")


def test_a_second_scheduler_does_not_run_a_job_while_the_first_holds_the_lock(township: Township) -> None:
    t = township
    first, second = runner(t), runner(t)
    t.at(date(2026, 12, 1), "06:05")
    with first.lock.hold() as held:
        assert held
        assert second.run_due("monthly_reports") == []  # the other process is busy with it
    with t.services.db.read() as s:
        assert SchedulerRepository(s).last_slot("monthly_reports") is None
    assert len(second.run_due("monthly_reports")) == 1
    assert first.run_due("monthly_reports") == []  # already done by the other one


def test_two_townships_in_one_postgresql_database_do_not_wait_for_each_other(
    tmp_path: Path, clock: FakeClock
) -> None:
    # Advisory locks belong to the whole database; installations kept apart by schema must not share one.
    clock.now = local(date(2026, 11, 23), "00:00")
    with pg_schema() as url_a, pg_schema() as url_b:
        a, b = (
            build_services(loaded_config(tmp_path / name, url, {"people": PEOPLE, "attendance": ATTENDANCE}),
                           clock=clock, recognition_workers=0)
            for name, url in (("a", url_a), ("b", url_b))
        )
        try:
            first_a, second_a, first_b = runner(Township(a, clock)), runner(Township(a, clock)), runner(Township(b, clock))
            clock.now = local(date(2026, 12, 1), "06:05")
            with first_a.lock.hold() as held:
                assert held
                assert len(first_b.run_due("monthly_reports")) == 1  # the other township's reports are written
                assert second_a.run_due("monthly_reports") == []  # its own second scheduler still waits
        finally:
            a.close()
            b.close()


def test_watchd_run_starts_the_scheduler_and_catches_up_at_once(township: Township) -> None:
    t = township
    t.at(date(2026, 11, 24), "02:00")

    async def scenario() -> dict[str, object]:
        scheduler = build_scheduler(t.services)
        scheduler.start()
        try:
            for _ in range(200):  # the catch-up job runs in a worker thread right after start
                with t.services.db.read() as s:
                    done = set(SchedulerRepository(s).runs())
                if {"settlement", "calendar_check", "visit_reminders", "monthly_reports"} <= done:
                    break
                await asyncio.sleep(0.05)
            return {**scheduler.next_runs(), "done": done}
        finally:
            await scheduler.stop()

    result = asyncio.run(scenario())
    assert {"settlement", "calendar_check", "visit_reminders", "monthly_reports"} <= result["done"]  # type: ignore[operator]
    assert result["monthly_reports"] is not None and result["settlement"] is not None
    assert t.services.attendance.daily(date(2026, 11, 23)).settled  # the catch-up settled Monday
