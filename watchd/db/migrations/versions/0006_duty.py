"""duty rosters, swaps, desk presence, duty log notes

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import watchd.db.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "duty_assignments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("room_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("updated_at", watchd.db.base.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_duty_assignments_person_id_people")),
        sa.ForeignKeyConstraint(["room_id"], ["sites.id"], name=op.f("fk_duty_assignments_room_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_assignments")),
        sa.UniqueConstraint("room_id", "day", "role", "person_id", name="uq_duty_assignments_slot_person"),
    )
    op.create_index("ix_duty_assignments_day", "duty_assignments", ["day"], unique=False)
    op.create_index(op.f("ix_duty_assignments_person_id"), "duty_assignments", ["person_id"], unique=False)

    op.create_table(
        "duty_swaps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("room_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("from_person", sa.String(length=64), nullable=False),
        sa.Column("to_person", sa.String(length=64), nullable=False),
        sa.Column("back_day", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("requested_at", watchd.db.base.UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", watchd.db.base.UTCDateTime(), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["from_person"], ["people.id"], name=op.f("fk_duty_swaps_from_person_people")),
        sa.ForeignKeyConstraint(["room_id"], ["sites.id"], name=op.f("fk_duty_swaps_room_id_sites")),
        sa.ForeignKeyConstraint(["to_person"], ["people.id"], name=op.f("fk_duty_swaps_to_person_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_swaps")),
    )
    op.create_index("ix_duty_swaps_day", "duty_swaps", ["room_id", "day"], unique=False)
    op.create_index("ix_duty_swaps_status", "duty_swaps", ["status"], unique=False)

    op.create_table(
        "duty_presence",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("room_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("start_at", watchd.db.base.UTCDateTime(), nullable=False),
        sa.Column("end_at", watchd.db.base.UTCDateTime(), nullable=True),
        sa.Column("checked_at", watchd.db.base.UTCDateTime(), nullable=False),
        sa.Column("faces", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["room_id"], ["sites.id"], name=op.f("fk_duty_presence_room_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_presence")),
        sa.UniqueConstraint("room_id", "start_at", name="uq_duty_presence_room_start"),
    )
    op.create_index("ix_duty_presence_room_end", "duty_presence", ["room_id", "end_at"], unique=False)

    op.create_table(
        "duty_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("room_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("at", watchd.db.base.UTCDateTime(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("client_key", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(["room_id"], ["sites.id"], name=op.f("fk_duty_notes_room_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_notes")),
        sa.UniqueConstraint("client_key", name=op.f("uq_duty_notes_client_key")),
    )
    op.create_index("ix_duty_notes_room_day", "duty_notes", ["room_id", "day"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_duty_notes_room_day", table_name="duty_notes")
    op.drop_table("duty_notes")
    op.drop_index("ix_duty_presence_room_end", table_name="duty_presence")
    op.drop_table("duty_presence")
    op.drop_index("ix_duty_swaps_status", table_name="duty_swaps")
    op.drop_index("ix_duty_swaps_day", table_name="duty_swaps")
    op.drop_table("duty_swaps")
    op.drop_index(op.f("ix_duty_assignments_person_id"), table_name="duty_assignments")
    op.drop_index("ix_duty_assignments_day", table_name="duty_assignments")
    op.drop_table("duty_assignments")
