"""spot checks (查岗): each shift's drawn plan and its checks

Revision ID: 0014
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import watchd.db.base

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "spot_check_plans",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("room_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("drawn_at", watchd.db.base.UTCDateTime(), nullable=False),
        sa.Column("checks", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["room_id"], ["sites.id"], name=op.f("fk_spot_check_plans_room_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spot_check_plans")),
        sa.UniqueConstraint("room_id", "day", name="uq_spot_check_plans_room_day"),
    )
    op.create_table(
        "spot_checks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("room_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("planned_at", watchd.db.base.UTCDateTime(), nullable=False),
        sa.Column("started_by", sa.String(length=100), nullable=True),
        sa.Column("issued_at", watchd.db.base.UTCDateTime(), nullable=True),
        sa.Column("due_at", watchd.db.base.UTCDateTime(), nullable=True),
        sa.Column("code", sa.String(length=8), nullable=True),
        sa.Column("nonce", sa.String(length=64), nullable=True),
        sa.Column("officers", sa.String(length=500), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("answered_at", watchd.db.base.UTCDateTime(), nullable=True),
        sa.Column("answered_by", sa.String(length=100), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["room_id"], ["sites.id"], name=op.f("fk_spot_checks_room_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spot_checks")),
        sa.UniqueConstraint("room_id", "day", "seq", name="uq_spot_checks_room_day_seq"),
    )
    op.create_index("ix_spot_checks_status_at", "spot_checks", ["status", "planned_at"], unique=False)
    op.create_index("ix_spot_checks_day", "spot_checks", ["day"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_spot_checks_day", table_name="spot_checks")
    op.drop_index("ix_spot_checks_status_at", table_name="spot_checks")
    op.drop_table("spot_checks")
    op.drop_table("spot_check_plans")
