"""terminals: raw punches, device-user mapping, terminal states

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import watchd.db.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "raw_punches",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("serial", sa.String(length=64), nullable=False),
        sa.Column("device_user", sa.String(length=64), nullable=False),
        sa.Column("device_time", sa.String(length=19), nullable=False),
        sa.Column("occurred_at", watchd.db.base.UTCDateTime(), nullable=True),
        sa.Column("received_at", watchd.db.base.UTCDateTime(), nullable=False),
        sa.Column("skew_seconds", sa.Double(), nullable=True),
        sa.Column("cursor", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("verify", sa.String(length=20), nullable=True),
        sa.Column("attendance_state", sa.String(length=20), nullable=True),
        sa.Column("user_name", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("person_id", sa.String(length=64), nullable=True),
        sa.Column("checkin_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["checkin_id"], ["checkins.id"], name=op.f("fk_raw_punches_checkin_id_checkins")),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], name=op.f("fk_raw_punches_device_id_devices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_raw_punches")),
        sa.UniqueConstraint("serial", "device_user", "device_time", name="uq_raw_punches_natural_key"),
    )
    with op.batch_alter_table("raw_punches", schema=None) as batch_op:
        batch_op.create_index("ix_raw_punches_device_user", ["device_id", "device_user"], unique=False)
        batch_op.create_index("ix_raw_punches_state_device", ["state", "device_id"], unique=False)

    op.create_table(
        "terminal_user_maps",
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("device_user", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=True),
        sa.Column("updated_at", watchd.db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_terminal_user_maps_person_id_people")),
        sa.PrimaryKeyConstraint("scope", "device_user", name=op.f("pk_terminal_user_maps")),
    )
    op.create_table(
        "terminal_states",
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("serial", sa.String(length=64), nullable=True),
        sa.Column("model", sa.String(length=100), nullable=True),
        sa.Column("firmware", sa.String(length=100), nullable=True),
        sa.Column("probed_at", watchd.db.base.UTCDateTime(), nullable=True),
        sa.Column("skew_seconds", sa.Double(), nullable=True),
        sa.Column("online", sa.Boolean(), nullable=True),
        sa.Column("changed_at", watchd.db.base.UTCDateTime(), nullable=True),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("last_contact_at", watchd.db.base.UTCDateTime(), nullable=True),
        sa.Column("presence_timeout_s", sa.Integer(), nullable=True),
        sa.Column("position", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], name=op.f("fk_terminal_states_device_id_devices")),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_terminal_states")),
    )


def downgrade() -> None:
    op.drop_table("terminal_states")
    op.drop_table("terminal_user_maps")
    with op.batch_alter_table("raw_punches", schema=None) as batch_op:
        batch_op.drop_index("ix_raw_punches_state_device")
        batch_op.drop_index("ix_raw_punches_device_user")
    op.drop_table("raw_punches")
