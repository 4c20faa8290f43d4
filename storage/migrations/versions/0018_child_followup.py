"""Follow-up actions for children on a Posyandu's follow-up list (issue #17 point 4)

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "child_followup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"], ["child.id"], name=op.f("fk_child_followup_child_id_child"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["person.id"],
            name=op.f("fk_child_followup_recorded_by_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_followup")),
    )
    with op.batch_alter_table("child_followup", schema=None) as batch_op:
        batch_op.create_index("ix_child_followup_child_recorded", ["child_id", "recorded_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("child_followup", schema=None) as batch_op:
        batch_op.drop_index("ix_child_followup_child_recorded")
    op.drop_table("child_followup")
