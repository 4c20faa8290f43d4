"""Structure of a Posyandu 6 SPM: pengurus and per-field koordinator/kader positions

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "posyandu_position",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("posyandu_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=20), nullable=True),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_posyandu_position_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["posyandu_id"],
            ["posyandu.id"],
            name=op.f("fk_posyandu_position_posyandu_id_posyandu"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posyandu_position")),
        sa.UniqueConstraint("posyandu_id", "person_id", "field", "role", name="uq_posyandu_position_place"),
    )
    with op.batch_alter_table("posyandu_position", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_posyandu_position_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_posyandu_position_posyandu_id"), ["posyandu_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("posyandu_position", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_posyandu_position_posyandu_id"))
        batch_op.drop_index(batch_op.f("ix_posyandu_position_person_id"))
    op.drop_table("posyandu_position")
