"""The monthly report's answers per SPM field other than kesehatan (issue 16, point 6)

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("monthly_report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("field_answers", sa.JSON(), server_default="{}", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("monthly_report", schema=None) as batch_op:
        batch_op.drop_column("field_answers")
