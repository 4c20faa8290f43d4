"""privacy: a ticket outlives its asker's erasure, anonymised

A resident who erases their data (/hapusdata, UU 27/2022 PDP) leaves their tickets behind for the
office's statistics (category, region, status, dates) without anything that points to them: the
ticket's `person_id` becomes nullable and is set NULL when the person row goes.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

FK = "fk_ticket_person_id_person"


def upgrade() -> None:
    # SQLite rebuilds the table (batch mode); the migration connection runs without
    # PRAGMA foreign_keys, so dropping the old table does not cascade into ticket_event.
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_constraint(FK, type_="foreignkey")
        batch_op.alter_column("person_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(FK, "person", ["person_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    # Anonymised tickets have no asker to return to; they cannot survive a NOT NULL column.
    op.execute("DELETE FROM ticket WHERE person_id IS NULL")
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_constraint(FK, type_="foreignkey")
        batch_op.alter_column("person_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(FK, "person", ["person_id"], ["id"], ondelete="CASCADE")
