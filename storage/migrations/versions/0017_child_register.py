"""Child register and weighing-day measurements (issue #17)

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "child",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("posyandu_id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("mother_name", sa.String(length=120), nullable=False),
        sa.Column("mother_phone", sa.String(length=20), nullable=True),
        sa.Column("mother_nik_masked", sa.String(length=20), nullable=True),
        sa.Column("has_kia", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="active", nullable=False),
        sa.Column("left_reason", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["person.id"], name=op.f("fk_child_created_by_person"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["posyandu_id"], ["posyandu.id"], name=op.f("fk_child_posyandu_id_posyandu"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child")),
    )
    with op.batch_alter_table("child", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_child_mother_phone"), ["mother_phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_child_posyandu_id"), ["posyandu_id"], unique=False)

    op.create_table(
        "child_measurement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("measured_on", sa.Date(), nullable=False),
        sa.Column("weight_kg", sa.Float(), nullable=True),
        sa.Column("height_cm", sa.Float(), nullable=True),
        sa.Column("lying", sa.Boolean(), nullable=True),
        sa.Column("muac_cm", sa.Float(), nullable=True),
        sa.Column("head_cm", sa.Float(), nullable=True),
        sa.Column("waz", sa.Float(), nullable=True),
        sa.Column("haz", sa.Float(), nullable=True),
        sa.Column("whz", sa.Float(), nullable=True),
        sa.Column("bmiz", sa.Float(), nullable=True),
        sa.Column("classes", sa.JSON(), nullable=False),
        sa.Column("gain", sa.String(length=1), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"], ["child.id"], name=op.f("fk_child_measurement_child_id_child"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["person.id"],
            name=op.f("fk_child_measurement_recorded_by_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_measurement")),
    )
    with op.batch_alter_table("child_measurement", schema=None) as batch_op:
        batch_op.create_index(
            "ix_child_measurement_child_measured", ["child_id", "measured_on"], unique=False
        )

    with op.batch_alter_table("monthly_report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("skdn_source", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("monthly_report", schema=None) as batch_op:
        batch_op.drop_column("skdn_source")
    with op.batch_alter_table("child_measurement", schema=None) as batch_op:
        batch_op.drop_index("ix_child_measurement_child_measured")

    op.drop_table("child_measurement")
    with op.batch_alter_table("child", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_child_posyandu_id"))
        batch_op.drop_index(batch_op.f("ix_child_mother_phone"))

    op.drop_table("child")
