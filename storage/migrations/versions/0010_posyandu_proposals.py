"""A cadre can propose a Posyandu that is not listed: its status and who proposed it

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("posyandu", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=12), server_default="active", nullable=False)
        )
        batch_op.add_column(sa.Column("proposed_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_posyandu_proposed_by_person"),
            "person",
            ["proposed_by"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("posyandu", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_posyandu_proposed_by_person"), type_="foreignkey")
        batch_op.drop_column("proposed_by")
        batch_op.drop_column("status")
