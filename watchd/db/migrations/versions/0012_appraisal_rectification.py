"""the 1135 appraisal (rounds, rolls, codes, mixed ballots) and the rectification ledger

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import watchd.db.base

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

UTC_TIME = watchd.db.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "appraisal_rounds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("opens_at", UTC_TIME(), nullable=False),
        sa.Column("closes_at", UTC_TIME(), nullable=False),
        sa.Column("organisation", sa.String(length=100), nullable=False),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_TIME(), nullable=False),
        sa.Column("finalised_at", UTC_TIME(), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appraisal_rounds")),
    )
    op.create_table(
        "appraisal_cadres",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["appraisal_rounds.id"],
            ondelete="CASCADE",
            name=op.f("fk_appraisal_cadres_round_id_appraisal_rounds"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_appraisal_cadres_person_id_people")
        ),
        sa.PrimaryKeyConstraint("round_id", "person_id", name=op.f("pk_appraisal_cadres")),
    )
    op.create_table(
        "appraisal_roll",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("rater_group", sa.String(length=12), nullable=False),
        sa.Column("entry_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["appraisal_rounds.id"],
            ondelete="CASCADE",
            name=op.f("fk_appraisal_roll_round_id_appraisal_rounds"),
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_appraisal_roll_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appraisal_roll")),
        sa.UniqueConstraint("round_id", "rater_group", "entry_id", name=op.f("uq_appraisal_roll_round_id")),
    )
    op.create_table(
        "appraisal_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("roll_id", sa.Integer(), nullable=False),
        sa.Column("used", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["roll_id"],
            ["appraisal_roll.id"],
            ondelete="CASCADE",
            name=op.f("fk_appraisal_codes_roll_id_appraisal_roll"),
        ),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_appraisal_codes")),
        sa.UniqueConstraint("roll_id", name=op.f("uq_appraisal_codes_roll_id")),
    )
    op.create_table(
        "appraisal_voters",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("rater_group", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["appraisal_rounds.id"],
            ondelete="CASCADE",
            name=op.f("fk_appraisal_voters_round_id_appraisal_rounds"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_appraisal_voters_person_id_people")
        ),
        sa.PrimaryKeyConstraint("round_id", "person_id", name=op.f("pk_appraisal_voters")),
    )
    op.create_table(
        "appraisal_pool",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("rater_group", sa.String(length=12), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["appraisal_rounds.id"],
            ondelete="CASCADE",
            name=op.f("fk_appraisal_pool_round_id_appraisal_rounds"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appraisal_pool")),
    )
    op.create_index(op.f("ix_appraisal_pool_round_id"), "appraisal_pool", ["round_id"], unique=False)
    op.create_table(
        "appraisal_ballots",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("rater_group", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["appraisal_rounds.id"],
            ondelete="CASCADE",
            name=op.f("fk_appraisal_ballots_round_id_appraisal_rounds"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appraisal_ballots")),
    )
    op.create_index("ix_appraisal_ballots_round_group", "appraisal_ballots", ["round_id", "rater_group"])
    op.create_table(
        "appraisal_scores",
        sa.Column("ballot_id", sa.String(length=32), nullable=False),
        sa.Column("cadre_id", sa.String(length=64), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("rater_group", sa.String(length=12), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["appraisal_ballots.id"],
            ondelete="CASCADE",
            name=op.f("fk_appraisal_scores_ballot_id_appraisal_ballots"),
        ),
        sa.PrimaryKeyConstraint("ballot_id", "cadre_id", name=op.f("pk_appraisal_scores")),
    )
    op.create_index("ix_appraisal_scores_round_cadre", "appraisal_scores", ["round_id", "cadre_id"])
    op.create_table(
        "appraisal_tallies",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("minute", UTC_TIME(), nullable=False),
        sa.Column("ballots", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["appraisal_rounds.id"],
            ondelete="CASCADE",
            name=op.f("fk_appraisal_tallies_round_id_appraisal_rounds"),
        ),
        sa.PrimaryKeyConstraint("round_id", "minute", name=op.f("pk_appraisal_tallies")),
    )
    op.create_table(
        "appraisal_devices",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("codes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["appraisal_rounds.id"],
            ondelete="CASCADE",
            name=op.f("fk_appraisal_devices_round_id_appraisal_rounds"),
        ),
        sa.PrimaryKeyConstraint("round_id", "fingerprint", name=op.f("pk_appraisal_devices")),
    )
    op.create_table(
        "rectifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_kind", sa.String(length=16), nullable=False),
        sa.Column("source_ref", sa.String(length=100), nullable=False),
        sa.Column("organisation", sa.String(length=100), nullable=False),
        sa.Column("problem", sa.String(length=500), nullable=False),
        sa.Column("measure", sa.String(length=500), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("opened_at", UTC_TIME(), nullable=False),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("closed_at", UTC_TIME(), nullable=True),
        sa.Column("close_note", sa.String(length=500), nullable=False),
        sa.Column("photo_path", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["people.id"], name=op.f("fk_rectifications_owner_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectifications")),
    )
    op.create_index(op.f("ix_rectifications_owner_id"), "rectifications", ["owner_id"], unique=False)
    op.create_index("ix_rectifications_status_deadline", "rectifications", ["status", "deadline"])


def downgrade() -> None:
    for table in (
        "rectifications",
        "appraisal_devices",
        "appraisal_tallies",
        "appraisal_scores",
        "appraisal_ballots",
        "appraisal_pool",
        "appraisal_voters",
        "appraisal_codes",
        "appraisal_roll",
        "appraisal_cadres",
        "appraisal_rounds",
    ):
        op.drop_table(table)
