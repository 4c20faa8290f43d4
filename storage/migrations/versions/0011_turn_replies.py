"""A turn's replies kept until sent, so a crash between commit and send does not lose them

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "turn_reply",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("replies", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel", "message_id"],
            ["inbound_message.channel", "inbound_message.message_id"],
            name=op.f("fk_turn_reply_channel_inbound_message"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel", "message_id", name=op.f("pk_turn_reply")),
    )
    with op.batch_alter_table("turn_reply", schema=None) as batch_op:
        batch_op.create_index(
            "ix_turn_reply_channel_status", ["channel", "status", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("turn_reply", schema=None) as batch_op:
        batch_op.drop_index("ix_turn_reply_channel_status")
    op.drop_table("turn_reply")
