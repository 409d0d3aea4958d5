"""notices for the administrator; calendar_missing incidents become notices

Revision ID: 0009
Revises: 0008

A "holiday data missing" condition used to be an incident that texted the leaders; it is a
notice now. Incidents of that kind still open are resolved (their old rows stay readable, with a
timeline entry saying why), their unsent messages are cancelled, and each becomes an active notice.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import watchd.db.base

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

CALENDAR_TEXT = (  # frozen here; the calendar check writes the current wording at its next run
    "{year}年节假日安排尚未录入，考勤暂按周末计算：请在 /reports 页“节假日”中粘贴国务院办公厅关于{year}年"
    "部分节假日安排的通知并确认，或逐日录入"
)
MOVED = "moved to the administrator's notices (not an incident any more)"


def upgrade() -> None:
    notices = op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("active_key", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=150), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("first_seen_at", watchd.db.base.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", watchd.db.base.UTCDateTime(), nullable=False),
        sa.Column("resolved_at", watchd.db.base.UTCDateTime(), nullable=True),
        sa.Column("acknowledged_at", watchd.db.base.UTCDateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=100), nullable=True),
        sa.Column("sent_at", watchd.db.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("active_key", name=op.f("uq_notices_active_key")),
    )
    op.create_index(op.f("ix_notices_key"), "notices", ["key"], unique=False)
    _calendar_incidents_to_notices(notices)


def _calendar_incidents_to_notices(notices: sa.Table) -> None:
    bind = op.get_bind()
    meta = sa.MetaData()
    incidents = sa.Table("incidents", meta, autoload_with=bind)
    events = sa.Table("incident_events", meta, autoload_with=bind)
    notifications = sa.Table("notifications", meta, autoload_with=bind)
    links = sa.Table("notification_incidents", meta, autoload_with=bind)
    now = datetime.now(UTC)
    stamp = watchd.db.base.UTCDateTime()
    rows = bind.execute(
        sa.select(incidents.c.id, incidents.c.subject, incidents.c.opened_at, incidents.c.last_seen_at)
        .where(incidents.c.kind == "calendar_missing", incidents.c.status != "resolved")
    ).all()
    for incident_id, subject, opened_at, last_seen_at in rows:
        bind.execute(
            incidents.update().where(incidents.c.id == incident_id).values(
                status="resolved", active_key=None, next_step_at=None, resolved_by="system",
                resolved_at=stamp.process_bind_param(now, bind.dialect),
            )
        )
        bind.execute(events.insert().values(
            incident_id=incident_id, at=stamp.process_bind_param(now, bind.dialect), event="resolved",
            actor="system", detail=MOVED,
        ))
        unsent = sa.select(links.c.notification_id).where(links.c.incident_id == incident_id)
        bind.execute(
            notifications.update()
            .where(notifications.c.status == "pending",
                   sa.or_(notifications.c.incident_id == incident_id, notifications.c.id.in_(unsent)))
            .values(status="cancelled", next_attempt_at=None, last_detail=MOVED)
        )
        key = f"calendar_missing:{subject}"
        bind.execute(notices.insert().values(
            key=key, active_key=key, kind="calendar_missing", subject=subject,
            text=CALENDAR_TEXT.format(year=subject), details={"year": int(subject) if subject.isdigit() else subject},
            first_seen_at=_aware(opened_at), last_seen_at=_aware(last_seen_at), resolved_at=None, acknowledged_at=None, acknowledged_by=None, sent_at=None,
        ))


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)  # SQLite keeps UTC without offset


def downgrade() -> None:
    op.drop_index(op.f("ix_notices_key"), table_name="notices")
    op.drop_table("notices")
