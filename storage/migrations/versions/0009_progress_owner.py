"""Merge the privacy and outbox-notices parts; one sender shows a broadcast's live progress

With several workers draining one outbox, each sender used to keep its own progress message and edit
it with counts read at different moments. A broadcast now records which sender shows its progress and
when it last did, so another sender takes over only when the owner has gone quiet.

Revision ID: 0009
Revises: 0007, 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = ("0007", "0008")
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("broadcast", schema=None) as batch_op:
        batch_op.add_column(sa.Column("progress_owner", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("progress_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("broadcast", schema=None) as batch_op:
        batch_op.drop_column("progress_at")
        batch_op.drop_column("progress_owner")
