"""The DPMD's verification of a Posyandu 6 SPM institution: submitted, returned or verified

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "posyandu_verification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("posyandu_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=240), nullable=True),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["person.id"],
            name=op.f("fk_posyandu_verification_decided_by_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["posyandu_id"],
            ["posyandu.id"],
            name=op.f("fk_posyandu_verification_posyandu_id_posyandu"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"],
            ["person.id"],
            name=op.f("fk_posyandu_verification_submitted_by_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posyandu_verification")),
        sa.UniqueConstraint("posyandu_id", name=op.f("uq_posyandu_verification_posyandu_id")),
    )


def downgrade() -> None:
    op.drop_table("posyandu_verification")
