"""daily work logs, their history and comments, weekly plan items

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import watchd.db.base

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work_logs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("owner_kind", sa.String(length=12), nullable=False),
        sa.Column("owner_id", sa.String(length=100), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("done", sa.String(length=4000), nullable=False),
        sa.Column("problems", sa.String(length=2000), nullable=False),
        sa.Column("plan", sa.String(length=2000), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("written_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", watchd.db.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", watchd.db.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_logs")),
        sa.UniqueConstraint("owner_kind", "owner_id", "day", name="uq_work_logs_owner_day"),
    )
    op.create_index("ix_work_logs_day", "work_logs", ["day"], unique=False)
    op.create_table(
        "work_log_revisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("log_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("done", sa.String(length=4000), nullable=False),
        sa.Column("problems", sa.String(length=2000), nullable=False),
        sa.Column("plan", sa.String(length=2000), nullable=False),
        sa.Column("written_by", sa.String(length=100), nullable=False),
        sa.Column("written_at", watchd.db.base.UTCDateTime(), nullable=False),
        sa.Column("replaced_at", watchd.db.base.UTCDateTime(), nullable=False),
        sa.Column("replaced_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["log_id"],
            ["work_logs.id"],
            name=op.f("fk_work_log_revisions_log_id_work_logs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_log_revisions")),
        sa.UniqueConstraint("log_id", "version", name="uq_work_log_revisions_log_version"),
    )
    op.create_table(
        "work_log_comments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("log_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("created_at", watchd.db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["log_id"],
            ["work_logs.id"],
            name=op.f("fk_work_log_comments_log_id_work_logs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_log_comments")),
    )
    op.create_index(op.f("ix_work_log_comments_log_id"), "work_log_comments", ["log_id"], unique=False)
    op.create_table(
        "plan_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("owner_kind", sa.String(length=12), nullable=False),
        sa.Column("owner_id", sa.String(length=100), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", watchd.db.base.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", watchd.db.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_items")),
    )
    op.create_index(
        "ix_plan_items_week_owner", "plan_items", ["week", "owner_kind", "owner_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_plan_items_week_owner", table_name="plan_items")
    op.drop_table("plan_items")
    op.drop_index(op.f("ix_work_log_comments_log_id"), table_name="work_log_comments")
    op.drop_table("work_log_comments")
    op.drop_table("work_log_revisions")
    op.drop_index("ix_work_logs_day", table_name="work_logs")
    op.drop_table("work_logs")
