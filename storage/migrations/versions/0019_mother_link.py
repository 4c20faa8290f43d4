"""Mothers linked to their child's growth record, and the one-time codes cadres give them (issue #17)

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mother_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("linked_by", sa.String(length=8), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"], ["child.id"], name=op.f("fk_mother_link_child_id_child"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_mother_link_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mother_link")),
        sa.UniqueConstraint("child_id", "person_id", name="uq_mother_link_child_person"),
    )
    with op.batch_alter_table("mother_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mother_link_child_id"), ["child_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mother_link_person_id"), ["person_id"], unique=False)

    op.create_table(
        "mother_link_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"], ["child.id"], name=op.f("fk_mother_link_code_child_id_child"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["person.id"],
            name=op.f("fk_mother_link_code_created_by_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mother_link_code")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_mother_link_code_code_hash")),
    )
    with op.batch_alter_table("mother_link_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mother_link_code_child_id"), ["child_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mother_link_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mother_link_code_child_id"))
    op.drop_table("mother_link_code")
    with op.batch_alter_table("mother_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mother_link_person_id"))
        batch_op.drop_index(batch_op.f("ix_mother_link_child_id"))
    op.drop_table("mother_link")
