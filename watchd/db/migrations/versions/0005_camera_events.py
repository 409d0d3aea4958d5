"""camera watch events

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import watchd.db.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "camera_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_key", sa.String(length=120), nullable=False),
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("started_at", watchd.db.base.UTCDateTime(), nullable=False),
        sa.Column("ended_at", watchd.db.base.UTCDateTime(), nullable=True),
        sa.Column("zones", sa.Text(), nullable=False),
        sa.Column("box", sa.String(length=100), nullable=True),
        sa.Column("peak_area", sa.Double(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("snapshot_path", sa.String(length=300), nullable=True),
        sa.Column("clip_path", sa.String(length=300), nullable=True),
        sa.Column("media_bytes", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["camera_id"], ["devices.id"], name=op.f("fk_camera_events_camera_id_devices")),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_camera_events_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_camera_events")),
        sa.UniqueConstraint("event_key", name=op.f("uq_camera_events_event_key")),
    )
    with op.batch_alter_table("camera_events", schema=None) as batch_op:
        batch_op.create_index("ix_camera_events_camera_started", ["camera_id", "started_at"], unique=False)
        batch_op.create_index("ix_camera_events_started", ["started_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("camera_events", schema=None) as batch_op:
        batch_op.drop_index("ix_camera_events_started")
        batch_op.drop_index("ix_camera_events_camera_started")
    op.drop_table("camera_events")
