"""Posyandu 6 SPM: lembaga or pos pelayanan (parent), location, usual week/weekday, SPM fields served

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("posyandu", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=8), server_default="lembaga", nullable=False))
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("longitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("usual_week", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("usual_weekday", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("spm_fields", sa.JSON(), server_default='["kesehatan"]', nullable=False)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_posyandu_parent_id_posyandu"), "posyandu", ["parent_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_posyandu_parent_id"), ["parent_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("posyandu", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_posyandu_parent_id"))
        batch_op.drop_constraint(batch_op.f("fk_posyandu_parent_id_posyandu"), type_="foreignkey")
        batch_op.drop_column("spm_fields")
        batch_op.drop_column("usual_weekday")
        batch_op.drop_column("usual_week")
        batch_op.drop_column("longitude")
        batch_op.drop_column("latitude")
        batch_op.drop_column("parent_id")
        batch_op.drop_column("kind")
