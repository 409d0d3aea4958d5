"""video verification before escalation: review items and the incident's verification hold

Revision ID: 0015
Revises: 0014

`review_items`: one per camera event (motion, tamper, camera offline) with its verdict. The incident's
`review_hold` says whether its first message waited for the duty room (held, real, timed_out,
settled, major; NULL: not held).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from watchd.db.base import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review_hold", sa.String(length=16), nullable=True))
    op.create_table(
        "review_items",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("source_key", sa.String(length=240), nullable=False),
        sa.Column(
            "incident_id", sa.Integer(), sa.ForeignKey("incidents.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("camera_event_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("camera_id", sa.String(length=100), nullable=False),
        sa.Column("zones", sa.Text(), nullable=False),
        sa.Column("summary", sa.String(length=200), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("held", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.Column("claim_expires_at", UTCDateTime(), nullable=True),
        sa.Column("viewed_at", UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.UniqueConstraint("source_key", name="uq_review_items_source_key"),
    )
    op.create_index("ix_review_items_status", "review_items", ["status"])
    op.create_index("ix_review_items_camera_decided", "review_items", ["camera_id", "decided_at"])
    op.create_index("ix_review_items_incident_id", "review_items", ["incident_id"])


def downgrade() -> None:
    op.drop_table("review_items")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("review_hold")
