"""camera events say what moved: the class an event was raised for and every class seen

Revision ID: 0010
Revises: 0009

`object_class`: person, vehicle, animal or unknown (NULL: motion before classification, or tamper and
offline events). `classes`: JSON {class: {"score": 0.62, "snapshot": "cameras/..-person.jpg"}} with the
best snapshot of each class, and for unknown the reason ("busy", "failed", "unavailable", "unrecognised").
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("camera_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("object_class", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("classes", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("camera_events", schema=None) as batch_op:
        batch_op.drop_column("classes")
        batch_op.drop_column("object_class")
