"""whatsapp delivery records

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-24 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "whatsapp_outbound_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wamid", sa.String(length=128), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("message_type", sa.String(length=16), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("error_title", sa.String(length=240), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whatsapp_outbound_message")),
        sa.UniqueConstraint("wamid", name=op.f("uq_whatsapp_outbound_message_wamid")),
    )
    with op.batch_alter_table("whatsapp_outbound_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_whatsapp_outbound_message_address"), ["address"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("whatsapp_outbound_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_whatsapp_outbound_message_address"))
    op.drop_table("whatsapp_outbound_message")
