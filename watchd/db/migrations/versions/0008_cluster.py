"""cluster nodes and work leases

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import watchd.db.base

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cluster_nodes",
        sa.Column("node_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("host", sa.String(length=100), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", watchd.db.base.UTCDateTime(), nullable=False),
        sa.Column("heartbeat_at", watchd.db.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("node_id", name=op.f("pk_cluster_nodes")),
    )
    op.create_index(op.f("ix_cluster_nodes_name"), "cluster_nodes", ["name"], unique=False)
    op.create_table(
        "work_leases",
        sa.Column("item", sa.String(length=120), nullable=False),
        sa.Column("node_id", sa.String(length=100), nullable=True),
        sa.Column("expires_at", watchd.db.base.UTCDateTime(), nullable=True),
        sa.Column("acquired_at", watchd.db.base.UTCDateTime(), nullable=True),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("item", name=op.f("pk_work_leases")),
    )
    op.create_index(op.f("ix_work_leases_node_id"), "work_leases", ["node_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_work_leases_node_id"), table_name="work_leases")
    op.drop_table("work_leases")
    op.drop_index(op.f("ix_cluster_nodes_name"), table_name="cluster_nodes")
    op.drop_table("cluster_nodes")
