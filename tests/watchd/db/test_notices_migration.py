"""Revision 0009 on a database written by the previous version: an open "holiday data missing"
incident (which texted the leaders) is resolved, its unsent messages are cancelled, and it becomes an
administrator's notice; the old incident stays readable. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import MetaData, Table, insert

from tests.helpers.clocks import FakeClock
from tests.watchd.db.old_chain import OLD_HEADS, old_branched_database
from watchd.alerts.runner import AlertRunner
from watchd.app import Services
from watchd.db.session import build_engine

OPENED = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


def old_calendar_incident(database_url: str) -> None:
    """The rows as the old version wrote them: into its own tables (reflected, so columns added by
    later revisions are not written)."""
    engine = build_engine(database_url)
    try:
        old_branched_database(engine, OLD_HEADS)
        meta = MetaData()
        incidents, notifications, links = (
            Table(name, meta, autoload_with=engine) for name in ("incidents", "notifications", "notification_incidents")
        )
        with engine.begin() as c:
            incident_id = c.execute(
                insert(incidents).values(
                    key="calendar_missing::2027", active_key="calendar_missing::2027", kind="calendar_missing",
                    site_id="", subject="2027", severity="major", status="open",
                    summary="2027年节假日数据缺失，请升级 chinesecalendar", details={"year": 2027}, count=1,
                    opened_at=OPENED, last_seen_at=OPENED,
                    policy={"wait_s": 300, "rounds": 3, "major_together": True}, notify=True, step=1,
                    next_step_at=OPENED,
                ).returning(incidents.c.id)
            ).scalar_one()
            for n, status in enumerate(("sent", "pending")):
                message_id = c.execute(
                    insert(notifications).values(
                        message_id=f"wdold{n}", dedup_key=f"old:{n}", incident_id=incident_id, purpose="alert",
                        person_id="l001", recipient_name="乌云", address="13800000003",
                        throttle_key="13800000003", text="【值班提醒·重大】…", params={}, chain=["console"],
                        channel_index=0, status=status, created_at=OPENED,
                        next_attempt_at=None if status == "sent" else OPENED, attempts=0, channel_attempts=0,
                        queries=0, last_detail="",
                    ).returning(notifications.c.id)
                ).scalar_one()
                c.execute(insert(links).values(notification_id=message_id, incident_id=incident_id))
    finally:
        engine.dispose()


def test_open_calendar_incidents_become_notices(
    database_url: str, make_services: Callable[..., Services], clock: FakeClock
) -> None:
    old_calendar_incident(database_url)
    services = make_services()  # upgrades to the newest revision
    (incident,) = services.alerts.search(limit=10)
    detail = services.alerts.get(incident.id)
    assert (detail.incident.status, detail.incident.event_text) == (
        "resolved",
        "2027年节假日数据缺失，请升级 chinesecalendar",
    )
    assert detail.events[-1].event == "resolved" and "notices" in detail.events[-1].detail
    assert [n.status for n in detail.notifications] == ["sent", "cancelled"]
    (notice,) = services.notices.active()
    assert (notice.kind, notice.subject, notice.first_seen_at) == ("calendar_missing", "2027", OPENED)
    assert "/reports" in notice.text and "chinesecalendar" not in notice.text
    AlertRunner(services.alerts).tick()  # the resolved incident escalates no more
    assert [n.status for n in services.alerts.get(incident.id).notifications] == ["sent", "cancelled"]
